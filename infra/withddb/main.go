// Command withddb starts DynamoDB Local, runs a command with
// AWS_ENDPOINT_URL_DYNAMODB pointing at it, and stops it afterwards:
//
//	go run ./infra/withddb go test ./...
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/switchboard-inbox/switchboard/infra/ddblocal"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: withddb COMMAND [ARG...]")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	inst, err := ddblocal.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "withddb:", err)
		return 1
	}
	defer inst.Stop()
	fmt.Fprintln(os.Stderr, "withddb: DynamoDB Local at", inst.Endpoint)

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB="+inst.Endpoint)
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "withddb:", err)
		return 1
	}
	return 0
}
