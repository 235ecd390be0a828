// Command rebuild-stats recounts every report counter from the stored conversations, when invoked by hand; its job is built in shared/app.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/switchboard-inbox/switchboard/shared/app"
)

func main() {
	log := lambdacontext.NewLogger()
	a, err := app.FromEnv(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("start rebuild-stats function", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.RebuildStats)
}
