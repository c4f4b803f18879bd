-- The call a task retries. Completing a call with no_answer, voicemail or
-- call_back makes a new call task ("Call again: ...") whose retry_of is the
-- id of the completed call; a condition's outcome("step") follows the link
-- back to the step of the first call. NULL for every other task.
--
-- Existing retries are linked by what made them: the retry was created at
-- the instant the call it retries was completed, for the same customer.

-- +goose Up
ALTER TABLE tasks ADD COLUMN retry_of INTEGER REFERENCES tasks (id);

UPDATE tasks SET retry_of = (
    SELECT p.id FROM tasks p
    WHERE p.kind = 'call' AND p.status = 'done' AND p.customer_id = tasks.customer_id
      AND p.done_at = tasks.created_at AND p.id < tasks.id
    ORDER BY p.id DESC LIMIT 1)
WHERE kind = 'call' AND step_id IS NULL AND title LIKE 'Call again: %';

-- +goose Down
ALTER TABLE tasks DROP COLUMN retry_of;
