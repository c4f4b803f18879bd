package postgres_test

import (
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest"
)

func TestJourneyMore(t *testing.T) {
	storetest.RunJourneyMore(t, func(t *testing.T) aftersale.Store {
		return open(t, newSchema(t))
	})
}
