// Package ddblocal runs AWS's DynamoDB Local, as shipped inside the npm
// package amplify-dynamodb-simulator, for the local stack and the tests.
// The Makefile unpacks the package; this package starts the jar on a free
// port and stops it.
package ddblocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DirEnv names the variable that points at the folder holding
// DynamoDBLocal.jar; without it, Dir looks in the repository's cache.
const DirEnv = "DYNAMODB_LOCAL_DIR"

// cacheDir is where the Makefile unpacks the npm package, relative to the
// repository root.
const cacheDir = ".cache/dynamodb-local/package/emulator"

// Dir returns the folder holding DynamoDBLocal.jar.
func Dir() (string, error) {
	if dir := os.Getenv(DirEnv); dir != "" {
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, cacheDir), nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod above %s: set %s to the folder holding DynamoDBLocal.jar", wd, DirEnv)
		}
	}
}

// Instance is a running DynamoDB Local.
type Instance struct {
	// Endpoint is its base URL, for AWS_ENDPOINT_URL_DYNAMODB.
	Endpoint string
	cmd      *exec.Cmd
	done     chan error
	log      *bytes.Buffer
}

// Start runs DynamoDB Local in memory on a free port of the loopback
// interface and waits until it answers.
func Start(ctx context.Context) (*Instance, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("DynamoDB Local is not installed (%w): run 'make deps'", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("find a free port for DynamoDB Local: %w", err)
	}
	java := "java"
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java = filepath.Join(home, "bin", "java")
	}
	cmd := exec.Command(java, "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
		"-inMemory", "-port", strconv.Itoa(port))
	cmd.Dir = dir
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local with %s: %w", java, err)
	}
	inst := &Instance{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		done:     make(chan error, 1),
		log:      &log,
	}
	go func() { inst.done <- cmd.Wait() }()
	if err := inst.wait(ctx, 60*time.Second); err != nil {
		inst.Stop()
		return nil, err
	}
	return inst, nil
}

func (i *Instance) wait(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(i.Endpoint)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case err := <-i.done:
			return fmt.Errorf("DynamoDB Local exited (%v): %s", err, strings.TrimSpace(i.log.String()))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("DynamoDB Local did not answer on %s within %s: %s", i.Endpoint, limit, i.log.String())
		}
	}
}

// Stop ends the instance and waits for it to exit.
func (i *Instance) Stop() {
	if i.cmd.Process != nil {
		_ = i.cmd.Process.Kill()
	}
	<-i.done
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Client returns a DynamoDB client for a local endpoint. DynamoDB Local
// keeps one database per access key and region, so the credentials are
// fixed, and its error responses trip the SDK's response checksum check,
// which is turned off here only.
func Client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:                          "us-east-1",
		BaseEndpoint:                    aws.String(endpoint),
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		DisableValidateResponseChecksum: true,
		RetryMaxAttempts:                3,
	})
}

// ErrNoEndpoint says the tests were run without a DynamoDB endpoint.
var ErrNoEndpoint = errors.New("AWS_ENDPOINT_URL_DYNAMODB is not set: run the tests with 'make test'")
