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
}

// Session is the stored state of a login session (package web keeps it
// with alexedwards/scs).
type Session struct {
	Token  string
	Data   []byte
	Expiry time.Time
}
