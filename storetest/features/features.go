// Package features is the half of the store conformance suite about the
// shop's features beyond orders and journeys: insiders (coupons, referrals,
// stories), broadcasts, privacy, returns, the team and its sessions, and
// surveys. Package storetest runs its Cases with its own; RunReturnsPending
// and RunPrivacyMore are the suites run on their own.
package features

import "github.com/aftersale/aftersale/storetest/fixture"

// Cases returns the conformance tests of this package, for storetest.Run,
// which runs each as a parallel subtest on a new, empty store.
func Cases() []fixture.Case {
	return []fixture.Case{
		{Name: "OrderSetArrival", Fn: testOrderSetArrival},
		{Name: "Insiders", Fn: testInsiders},     // coupons, referrals, stories: insiders.go
		{Name: "Broadcasts", Fn: testBroadcasts}, // broadcasts and their audience: broadcasts.go
		{Name: "Privacy", Fn: testPrivacy},       // consent, erase, scrub: privacy.go
		{Name: "MessageListRecent", Fn: testMessageListRecent},
		{Name: "ReturnCreate", Fn: testReturnCreate},
		{Name: "ReturnList", Fn: testReturnList},
		{Name: "ReturnSetStatus", Fn: testReturnSetStatus},
		{Name: "MemberCreate", Fn: testMemberCreate},
		{Name: "MemberCreateInUpdate", Fn: testMemberCreateInUpdate},
		{Name: "MemberList", Fn: testMemberList},
		{Name: "MemberUpdate", Fn: testMemberUpdate},
		{Name: "MemberSessionEpoch", Fn: testMemberSessionEpoch},
		{Name: "MemberDeactivate", Fn: testMemberDeactivate},
		{Name: "Setting", Fn: testSetting},
		{Name: "Session", Fn: testSession},
		{Name: "SessionPurge", Fn: testSessionPurge},
		{Name: "SurveyAnswerSave", Fn: testSurveyAnswerSave},
		{Name: "SurveyAnswerList", Fn: testSurveyAnswerList},
	}
}
