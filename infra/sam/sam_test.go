package sam_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/switchboard-inbox/switchboard/infra/sam"
)

// TestEveryFunctionBuilds checks what 'sam build' will do with each
// function: its Makefile target exists and names a folder under functions/
// that compiles for Lambda (linux/arm64, lambda.norpc).
func TestEveryFunctionBuilds(t *testing.T) {
	tpl, err := sam.Parse()
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	fns := tpl.GetAllServerlessFunctionResources()
	if len(fns) == 0 {
		t.Fatal("template.yaml has no functions")
	}
	for name, fn := range fns {
		if fn.CodeUri == nil || fn.CodeUri.String == nil || *fn.CodeUri.String != "." {
			t.Errorf("%s: CodeUri must be . (the Makefile at the root builds it)", name)
		}
		if fn.AWSCloudFormationMetadata["BuildMethod"] != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %v; want makefile", name, fn.AWSCloudFormationMetadata["BuildMethod"])
		}
		target := regexp.MustCompile(`(?m)^build-` + name + `:\n\t.*-o \$\(ARTIFACTS_DIR\)/bootstrap \./functions/([a-z-]+)$`).FindSubmatch(makefile)
		if target == nil {
			t.Errorf("%s: Makefile has no build-%s target building ./functions/<folder> into $(ARTIFACTS_DIR)/bootstrap", name, name)
			continue
		}
		dir := filepath.Join("../../functions", string(target[1]))
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", os.DevNull, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: go build %s for linux/arm64: %v\n%s", name, dir, err, out)
		}
	}
}

func TestTableMatchesStoreKeys(t *testing.T) {
	tpl, err := sam.Parse()
	if err != nil {
		t.Fatal(err)
	}
	table, err := tpl.GetDynamoDBTableWithName(sam.TableLogicalID)
	if err != nil {
		t.Fatal(err)
	}
	indexes := map[string]bool{}
	for _, g := range table.GlobalSecondaryIndexes {
		indexes[g.IndexName] = true
	}
	if !indexes["GSI1"] || !indexes["GSI2"] {
		t.Errorf("indexes %v; the store queries GSI1 and GSI2", indexes)
	}
	if ttl := table.TimeToLiveSpecification; ttl == nil || !ttl.Enabled || ttl.AttributeName == nil || *ttl.AttributeName != "expiresAt" {
		t.Errorf("TimeToLiveSpecification = %+v; the store's dedupe records expire by expiresAt", ttl)
	}
}
