// Command digest posts the weekly report and the daily dormant-customer list to the managers' channel, run by EventBridge schedules; its handler is built in shared/app.
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
		log.Error("start digest function", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.Digest())
}
