package aftersale

import "time"

// Role is what a team member does; journeys assign tasks to roles.
type Role string

// The roles.
const (
	RoleOwner          Role = "owner"
	RoleAssistant      Role = "assistant"
	RoleProgramManager Role = "program_manager"
)

// Roles lists every role.
var Roles = []Role{RoleOwner, RoleAssistant, RoleProgramManager}

// Member is a person of the team who logs in to the admin UI and does the
// human touches.
type Member struct {
	ID    int64
	Email string // the login, and the From of the member's personal emails
	Name  string
	Role  Role
	// PasswordHash is the argon2id hash of the password in the PHC string
	// format (package auth); never the password itself.
	PasswordHash string
	// SMTPURL, when set, sends the member's personal emails through the
	// member's own mailbox (smtp://user:pass@host:port); otherwise they go
	// through the install's SMTP server, From the member.
	SMTPURL   string
	CreatedAt time.Time
	// SessionEpoch counts the changes that end the member's sessions: a
	// new password, a new role, deactivation. A session remembers the
	// epoch it began under and is over once the member's has moved on.
	// It only grows: MemberUpdate keeps the larger of the stored and the
	// given value, so that an update made from an older read cannot bring
	// ended sessions back.
	SessionEpoch int64
	// DeactivatedAt is when an owner deactivated the member, who then
	// cannot log in and gets no tasks; zero while the member is active.
	DeactivatedAt time.Time
}

// Active says whether the member may log in (not deactivated).
func (m *Member) Active() bool { return m.DeactivatedAt.IsZero() }

// Session is the stored state of a login session (package web keeps it
// with alexedwards/scs).
type Session struct {
	Token  string
	Data   []byte
	Expiry time.Time
}

// Settings are install-wide choices that owners make in the admin UI,
// stored by name (Store.SettingGet, SettingSet).
const (
	// SettingAllowPrivateSMTP, when "1", lets members' own SMTP URLs
	// reach loopback, private and shared (CGNAT) addresses (a mail server
	// on the install's own network); otherwise those are refused.
	// Link-local and cloud metadata addresses are refused either way.
	SettingAllowPrivateSMTP = "allow_private_smtp"
)
