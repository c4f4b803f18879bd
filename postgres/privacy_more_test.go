package postgres_test

import (
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/features"
)

func TestPrivacyMore(t *testing.T) {
	features.RunPrivacyMore(t, func(t *testing.T) aftersale.Store {
		return open(t, newSchema(t))
	})
}
