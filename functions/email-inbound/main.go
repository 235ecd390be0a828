// Command email-inbound is the Lambda function the SES receipt rule
// invokes for each received mail; its handler is built in shared/app.
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
		log.Error("start email-inbound function", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.EmailInbound())
}
