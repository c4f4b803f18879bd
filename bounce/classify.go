package bounce

import (
	"regexp"
	"strings"
)

// Category is why a recipient's mail came back, as the receiving server
// means it. Only UserUnknown and DomainUnknown suppress an address: the
// others are about the sender (blocks, spam policy, rate limits) or pass
// (a full mailbox, a DNS hiccup), and suppressing would punish the customer
// for them.
type Category string

// The categories.
const (
	UserUnknown     Category = "user_unknown"     // no such mailbox, or it has moved away
	DomainUnknown   Category = "domain_unknown"   // no such domain, or it accepts no mail
	MailboxFull     Category = "mailbox_full"     // over quota
	MailboxDisabled Category = "mailbox_disabled" // the account exists but is suspended or inactive
	Blocked         Category = "blocked"          // the sender is blocked: blacklist, reputation, PTR, SPF/DKIM/DMARC, relaying
	SpamPolicy      Category = "spam_policy"      // the message was refused as spam, a virus or against a content policy
	RateLimited     Category = "rate_limited"     // too many messages or connections: slow down
	DNS             Category = "dns"              // a temporary DNS or network failure
	OtherPermanent  Category = "other_permanent"  // refused for another reason (size, syntax, system)
	Temporary       Category = "temporary"        // not delivered yet, or given up after retrying a temporary failure
	Complaint       Category = "complaint"        // the recipient reported the message as spam
)

// Categories lists every category, for metrics and docs.
var Categories = []Category{UserUnknown, DomainUnknown, MailboxFull, MailboxDisabled, Blocked,
	SpamPolicy, RateLimited, DNS, OtherPermanent, Temporary, Complaint}

// AboutSender reports whether c says the receiver refused the sender or
// its message (a block or a spam policy): a rise of these needs the
// owner's attention, not the customer's.
func (c Category) AboutSender() bool { return c == Blocked || c == SpamPolicy }

// Hard reports whether c means the address cannot receive mail at all.
func (c Category) Hard() bool { return c == UserUnknown || c == DomainUnknown }

// rule is one phrase pattern of a category.
type rule struct {
	cat Category
	re  *regexp.Regexp
}

func rules(cat Category, patterns ...string) []rule {
	out := make([]rule, len(patterns))
	for i, p := range patterns {
		out[i] = rule{cat, regexp.MustCompile(`(?i)` + p)}
	}
	return out
}

// aboutSender are phrases that put the failure on the sender or the
// message; they are looked at before the phrases of a bad address, because
// a receiver may refuse a blocked sender with a code of a bad address
// (5.1.1 "IP address blacklisted").
var aboutSender = concat(
	rules(RateLimited,
		`receiving mail (at a|too) (rate|fast)`, `rate (limit|control)`, `too many (messages|connections|recipients|mails|emails|sessions|concurrent)`,
		`throttl`, `sending (too fast|rate)`, `exceeded.*(rate|connection)`, `connection (limit|rate)`, `try again later.*(rate|volume)`,
		`unusual (rate|volume)`, `temporarily deferred due to user complaints`, `too much mail`, `many messages from`),
	rules(MailboxFull,
		`over ?quota`, `quota (exceeded|full)`, `exceed(s|ed)? (the |its |his |her )?(storage |mailbox )?quota`, `mailbox (is |was )?full`,
		`mailbox has exceeded`, `mail ?box (size|storage) (limit|exceeded)`, `insufficient (system )?storage`, `full mailbox`,
		`disk quota`, `storage (space|limit)`, `out of (disk|storage) space`, `not enough (space|storage)`, `user.{0,20}(is |has )?over.{0,10}(limit|quota)`,
		`mailbox.{0,20}(exceeded|over).{0,20}(size|limit|storage)`),
	rules(Blocked,
		`black ?list`, `block ?list`, `deny ?list`, `spamhaus`, `spamcop`, `sorbs`, `barracuda`, `\brbl\b`, `dnsbl`, `\bsurbl\b`, `uceprotect`,
		`(is |been |are )?listed (at|on|in|by)`, `reputation`, `blocked`, `banned`, `\bbanned\b`, `block(ed)? by`, `access denied`,
		`reverse (dns|lookup|hostname)`, `\bptr\b`, `rdns`, `no (reverse|ptr)`, `client host .{0,80}rejected`, `\bhelo\b.{0,40}(reject|invalid|denied)`,
		`(relay(ing)?|relay access) (denied|not permitted|prohibited|not allowed)`, `not permitted to relay`, `unable to relay`, `relay not`,
		`sender (address )?(rejected|verify|denied|not allowed|domain)`, `sender.{0,30}(blocked|refused|rejected)`, `\bspf\b`, `\bdkim\b`, `\bdmarc\b`,
		`unauthenticated`, `authenticat`, `not authorized`, `refused.{0,30}(your|the) (ip|host|server)`, `(your|the sending) (ip|host|server|domain) .{0,60}(refused|rejected|not allowed|blocked)`,
		`has been temporarily (rate limited|blocked|deferred)`, `dynamic (ip|address)`, `residential`, `\bdial-?up\b`, `do(es)? not accept mail from`,
		`please use (the smtp server|your isp)`, `\bip\b.{0,40}(rejected|not allowed|refused)`, `mail from .{0,40}(rejected|refused|not accepted)`,
		`my name was rejected`, `\bfrom:? domain is invalid`, `provide a valid from`,
		`starttls`, `tls (is )?required`, `encryption required`, `poor sending`, `sender (is )?unknown`, `domain of sender`, `unresolvable sender`),
	rules(SpamPolicy,
		`\bspam\b`, `spamming`, `\bjunk\b`, `\bvirus`, `malware`, `phish`, `\bpolicy\b`, `\bpolicies\b`, `content (filter|rejected|policy)`,
		`message (content )?(rejected|refused) (as|because|due)`, `(message|mail) (was )?filtered`, `\bfiltered\b`, `\bbulk\b`, `unsolicited`,
		`suspicious`, `looks like`, `\bheader.{0,30}(invalid|rejected|malformed|missing)`, `not (rfc|rfc ?5322|rfc ?2822) compliant`, `rfc ?5322`,
		`message (rejected|refused|not accepted)`, `(rejected|refused) (for|due to|because of) (policy|content)`, `prohibited`, `objectionable`,
		`not accepted.{0,30}(content|policy)`, `\bdenied by\b`),
)

// badAddress are phrases that say the address or the domain does not
// exist, whatever the code beside them.
var badAddress = concat(
	rules(DomainUnknown,
		`no such domain`, `host or domain name not found`, `domain (name )?(not found|does not exist|doesn'?t exist|not exist)`,
		`unrouteable (mail )?domain`, `host unknown`, `illegal host/domain`, `domain is not reachable`, `couldn'?t find (a|any) mail exchanger`,
		`no mail exchanger`, `lookup failure: host \S+ not found`, `doesn'?t receive e?mail`, `mx lookup.{0,30}(failed|no)`, `unknown host`, `name service error.*host not found`, `\bnxdomain\b`, `domain.{0,20}(is )?(invalid|unknown)`,
		`(unknown|invalid|non-?existent) (mail )?domain`, `bad destination system`, `domain.{0,40}does not accept mail`, `null mx`,
		`no (valid )?mx (record|host)`, `dns.{0,20}(no data|not found|nxdomain)`, `not a valid (mail )?domain`, `domain.{0,20}no longer`,
		`mail domain.{0,30}(not|no) .{0,20}(exist|found)`, `unknown mail transport`,
		`(mx|srv) record indicated no smtp service`, `host does not accept mail`, `(^|[\s:])5(21|56)[ \-]`),
	rules(UserUnknown,
		`user ?(name )?(is )?unknown`, `unknown (local[- ]?part|user|recipient|address|mailbox|account|alias)`, `no such (user|mailbox|recipient|account|address|person|local user|alias)`,
		`(user|mailbox|recipient|account|address|alias|addressee) (is )?(not found|does ?n[o']t exist|not exist|unknown|invalid|not valid)`,
		`(recipient|address|user|mailbox|account) .{0,40}(does not exist|doesn'?t exist|not exist)`, `does ?n[o']t (have|has) an? (account|mailbox)`,
		`(isn'?t|is not) a valid (user|recipient|mailbox|address)`, `invalid (recipient|mailbox|user|address|account|e-?mail)`, `not a valid (recipient|mailbox|user)`,
		`mailbox (is )?unavailable`, `mailbox (not )?(available|found)`, `no mailbox`, `mailbox.{0,20}(doesn'?t|does not|not) exist`, `no (such )?account`,
		`addressee unknown`, `invalid final delivery userid`, `unrouteable address`, `recipient name is not recognized`, `account that you tried to reach (does not exist|doesn'?t exist)`,
		`not (our|a) (customer|user)`, `bad destination mailbox`, `destination (mailbox|address) .{0,20}(invalid|unknown)`,
		`no longer (in use|exists?|valid|available|active|at|with)`, `has (been )?(moved|left)`, `(user|mailbox) (has )?moved`, `not (listed in|found in) (the )?(domino )?directory`,
		`(recipient|user) (address )?(lookup|verification) (failed|rejected)`, `unknown or illegal alias`, `no valid recipients`, `address rejected.{0,40}(unknown|not exist|invalid)`,
		`undeliverable address`, `no such (local )?user`, `nonexistent`, `non-existent (user|mailbox|address|recipient)`, `user.{0,20}not (here|local)`,
		`couldn'?t find (any host|the recipient)`, `no one (by that name|here)`, `e-?mail account does not exist`, `recipient (was )?not found`,
		`address (is )?(unknown|not known|invalid|does not exist)`, `address (couldn'?t|could not|cannot) be found`, `address not found`,
		`not listed in (the )?(public )?name (&|and) address book`, `recipnotfound`, `doesn'?t have an? \S+ account`, `invalid (to|rcpt) address`, `unknown e-?mail address`, `mailbox .{0,30}not (found|exist)`,
		`alias.{0,20}(not exist|not found|unknown)`, `recipient address rejected\.?( \(in reply to rcpt to command\))?$`, `(delivery|mailbox) not (possible|allowed).{0,30}(unknown|not exist)`),
)

var urlRe = regexp.MustCompile(`(?i)\bhttps?://\S+`)

// urlHost stands for a URL in a reply: its host says whose page it is (a
// block list's), its path is left out ("/reason/#userunknown" is no
// reason).
func urlHost(u string) string {
	host := u[strings.Index(u, "//")+2:]
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	return "<url " + host + ">"
}

// hardFirst are phrases of a bad address that beat the words of a block
// beside them.
var hardFirst = concat(
	rules(UserUnknown, `recipient address rejected: access denied`, `this user doesn'?t have an? \S+ account`, `not listed in (the )?(public )?name (&|and) address book`, `recipnotfound`,
		`not (listed in|found in) (the )?(domino )?directory`),
)

// temporaryDNS are phrases of a DNS failure that may pass, looked at first:
// Gmail's "DNS Error: ... NXDOMAIN" is retried there, not final.
var temporaryDNS = concat(
	rules(DNS, `\bdns error\b`, `lookup of .{0,80}responded with code`, `name service error.{0,120}try again`, `host not found, try again`,
		`temporary (dns|lookup|name server|nameserver) (failure|error)`, `\bservfail\b`, `dns (lookup )?(timed out|timeout)`),
)

// senderStage says the reply answered MAIL FROM or HELO: the receiver
// refused the sender, whatever it says of an address or domain.
var senderStage = regexp.MustCompile(`(?i)\b(after|in reply to) (mail from|helo|ehlo)\b`)

// stageOf is the SMTP stage a text says its reply answered, in words that
// classify reads, or "".
func stageOf(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	switch {
	case rcptStage.MatchString(text):
		return "in reply to RCPT TO"
	case senderStage.MatchString(text):
		return "after MAIL FROM"
	case afterData.MatchString(text):
		return "after end of DATA"
	}
	return ""
}

// rcptStage is wording that only answers RCPT TO.
var rcptStage = regexp.MustCompile(`(?i)recipient address rejected|in reply to rcpt to`)

// afterData says the reply answered the message's DATA.
var afterData = regexp.MustCompile(`(?i)in reply to (end of )?data|after (end of )?data|smtp command:? data|>>> data\b.{0,20}<<< 5\d\d [^5]`)

// passing are phrases of a state that passes: a disabled account, a
// temporary DNS failure.
var passing = concat(
	rules(MailboxDisabled,
		`(account|mailbox|user) (is |has been )?(disabled|suspended|deactivated|inactive|locked|blocked|closed|frozen|expired)`,
		`(disabled|suspended|inactive|deactivated) (account|mailbox|user)`, `account.{0,40}(temporarily|currently) (disabled|unavailable|suspended)`,
		`is disabled`, `has been disabled`, `account .{0,40}is (inactive|disabled|suspended)`),
	rules(DNS,
		`(dns|lookup|name server|nameserver).{0,40}(temporar|try again|timeout|timed out|servfail|failure)`, `try again.{0,20}(dns|lookup)`, `host not found, try again`,
		`temporary (dns|lookup|name)`, `servfail`, `connection (timed out|refused)`, `no route to host`, `network (is )?unreachable`, `mail (for .{0,80})?loops? back`, `routing loop`,
		`too many hops`, `could not (connect|resolve)`),
)

func concat(rs ...[]rule) []rule {
	var out []rule
	for _, r := range rs {
		out = append(out, r...)
	}
	return out
}

// classify decides the category of a failed or delayed recipient from its
// status code and the receiver's reply. The reply's own enhanced code, when
// it has one, was already preferred over the DSN's Status by the caller.
// basis is the part of the reply (or the code) the decision rests on.
func classify(status, diag string, permanent bool) (cat Category, basis string, phrase bool) {
	cat, basis = classifyText(status, diag, permanent)
	return cat, strings.ToValidUTF8(basis, ""), basis != "" && !strings.HasPrefix(basis, codeBasis)
}

// maxClassify bounds the text whose words are looked at.
const maxClassify = 4 << 10

// codeBasis starts the basis of a decision that rests on the code alone.
const codeBasis = "Status: "

func classifyText(status, diag string, permanent bool) (cat Category, basis string) {
	// Addresses are left out: "filtered@example.com" is no spam filter.
	if len(diag) > maxClassify {
		diag = diag[:maxClassify] // replies are short; a long text is mostly quoted mail
	}
	text := strings.NewReplacer("\u2019", "'", "\u2018", "'").Replace(strings.Join(strings.Fields(diag), " "))
	text = urlRe.ReplaceAllStringFunc(text, urlHost)
	text = addrRe.ReplaceAllString(text, "<address>")
	if c, m := match(temporaryDNS, text); c != "" {
		return c, m
	}
	code := codeCategory(status)
	if !permanent && status != "" && status[0] == '4' {
		// A delay or a given-up temporary failure: only a bad address said
		// outright counts as hard (some receivers answer 450 user unknown).
		if c, m := match(badAddress, text); c != "" && !matchAny(aboutSender, text) && !matchAny(passing, text) {
			return c, m
		}
		if c, m := match(concat(aboutSender, passing), text); c != "" {
			if c == MailboxDisabled {
				return Temporary, m
			}
			return c, m
		}
		return Temporary, codeBasis + status
	}
	if loc := senderStage.FindStringIndex(text); loc != nil && !rcptStage.MatchString(text) {
		if c, m := match(aboutSender, text); c != "" {
			return c, m
		}
		return Blocked, around(text, loc)
	}
	if c, m := match(hardFirst, text); c != "" {
		return c, m
	}
	sender, sm := match(aboutSender, text)
	bad, bm := match(badAddress, text)
	if bad == UserUnknown && afterData.MatchString(text) && !strings.HasPrefix(status, "5.1.") && !rcptStage.MatchString(text) {
		// "User unknown" answered to the message rather than to RCPT TO:
		// the receiver's filter refused it (mobile carriers do so).
		return SpamPolicy, bm + " (after DATA)"
	}
	pass, pm := match(passing, text)
	switch {
	case bad != "" && sender != "" && (code == bad) && !strongSender(text):
		// "550 5.1.1 user unknown; see our policy page": the code and the
		// words agree on a bad address.
		return bad, bm
	case sender != "":
		return sender, sm
	case pass == MailboxDisabled && bad == "":
		return pass, pm
	case bad != "":
		return bad, bm
	case pass != "":
		return pass, pm
	}
	switch {
	case code != "":
		return code, codeBasis + status
	case !permanent:
		return Temporary, codeBasis + status
	}
	return OtherPermanent, codeBasis + status
}

// strongSender reports text that names a block list or a rate: such a
// reply is about the sender whatever else it says.
var strongSenderRe = regexp.MustCompile(`(?i)black ?list|block ?list|spamhaus|spamcop|sorbs|\brbl\b|dnsbl|reputation|receiving mail at a rate|over ?quota|mailbox (is )?full|\bspam\b`)

func strongSender(text string) bool { return strongSenderRe.MatchString(text) }

// codeCategory is what an enhanced status code alone says (RFC 3463).
func codeCategory(status string) Category {
	if status == "" {
		return ""
	}
	class := status[0]
	_, rest, _ := strings.Cut(status, ".")
	subject, detail, _ := strings.Cut(rest, ".")
	if class == '4' {
		switch subject + "." + detail {
		case "2.2":
			return MailboxFull
		case "4.3", "4.4":
			return DNS
		case "7.0", "7.1":
			return Blocked
		}
		return Temporary
	}
	if class != '5' {
		return ""
	}
	switch subject + "." + detail {
	case "1.1", "1.0", "1.6":
		return UserUnknown
	case "1.2", "1.10":
		return DomainUnknown
	case "2.1":
		return MailboxDisabled
	case "2.2", "2.0":
		if subject+"."+detail == "2.2" {
			return MailboxFull
		}
	case "4.4":
		return DNS
	case "7.1", "7.0", "7.23", "7.25", "7.26", "7.27", "7.7", "7.8", "7.9", "7.24", "1.7", "1.8":
		return Blocked
	case "7.2", "7.28", "6.0":
		return SpamPolicy
	}
	return ""
}

func match(rs []rule, text string) (Category, string) {
	for _, r := range rs {
		if loc := r.re.FindStringIndex(text); loc != nil {
			return r.cat, around(text, loc)
		}
	}
	return "", ""
}

func matchAny(rs []rule, text string) bool {
	c, _ := match(rs, text)
	return c != ""
}

// around returns the words of text around loc: the match and a little
// of what leads to it and follows it, within its sentence.
func around(text string, loc []int) string {
	start, end := loc[0], loc[1]
	for start > 0 && loc[0]-start < 40 && !strings.HasPrefix(text[start-1:], ". ") && text[start-1] != ';' {
		start--
	}
	for end < len(text) && end-loc[1] < 60 && !strings.HasPrefix(text[end:], ". ") && text[end] != ';' {
		end++
	}
	if start > 0 && text[start-1] != ' ' { // not in the middle of a word
		if i := strings.IndexByte(text[start:loc[0]], ' '); i >= 0 {
			start += i + 1
		}
	}
	if end < len(text) && text[end] != ' ' {
		if i := strings.LastIndexByte(text[loc[1]:end], ' '); i >= 0 {
			end = loc[1] + i
		}
	}
	return strings.TrimSpace(text[start:end])
}
