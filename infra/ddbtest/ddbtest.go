// Package ddbtest gives tests a fresh table, created from template.yaml, in
// the DynamoDB Local that 'make test' starts.
package ddbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-inbox/switchboard/infra/ddblocal"
	"github.com/switchboard-inbox/switchboard/infra/sam"
)

// RequireEnv, when set, turns a missing DynamoDB endpoint into a failure:
// 'make test' sets it so CI never passes on skipped store tests.
const RequireEnv = "SWITCHBOARD_REQUIRE_DYNAMODB"

// Table creates a table with a random name from template.yaml and returns
// a client for it; the table is deleted when the test ends. Without
// AWS_ENDPOINT_URL_DYNAMODB the test is skipped, or fails under RequireEnv.
func Table(tb testing.TB) (*dynamodb.Client, string) {
	tb.Helper()
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	if endpoint == "" {
		if os.Getenv(RequireEnv) != "" {
			tb.Fatal(ddblocal.ErrNoEndpoint)
		}
		tb.Skip(ddblocal.ErrNoEndpoint)
	}
	db := ddblocal.Client(endpoint)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "test-" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if err := sam.CreateTable(ctx, db, name); err != nil {
		tb.Fatalf("create test table: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &name}); err != nil {
			tb.Logf("delete test table %s: %v", name, err)
		}
	})
	return db, name
}
