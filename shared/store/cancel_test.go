package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Only failed conditions say something about the data. A transaction
// cancelled because another one touched the same item must stay an error
// to retry, never read as "the condition failed".
func TestCancelledTellsConditionsFromConflicts(t *testing.T) {
	cancel := func(codes ...string) error {
		var reasons []types.CancellationReason
		for _, c := range codes {
			reasons = append(reasons, types.CancellationReason{Code: aws.String(c)})
		}
		return fmt.Errorf("transact: %w", &types.TransactionCanceledException{CancellationReasons: reasons})
	}
	tests := []struct {
		err        error
		wantOK     bool
		wantFailed []bool
	}{
		{cancel("None", "ConditionalCheckFailed"), true, []bool{false, true}},
		{cancel("ConditionalCheckFailed", "None"), true, []bool{true, false}},
		{cancel("None", "TransactionConflict"), false, nil},
		{cancel("ThrottlingError", "ConditionalCheckFailed"), false, nil},
		{errors.New("network"), false, nil},
	}
	for _, tc := range tests {
		failed, ok := cancelled(tc.err)
		if ok != tc.wantOK || fmt.Sprint(failed) != fmt.Sprint(tc.wantFailed) {
			t.Errorf("cancelled(%v) = %v, %v; want %v, %v", tc.err, failed, ok, tc.wantFailed, tc.wantOK)
		}
	}
}
