// Command reports is the reports Lambda function (/reports/summary, /reports/export.csv, /dashboard); its handler is built in shared/app.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/switchboard-inbox/switchboard/shared/app"
	"github.com/switchboard-inbox/switchboard/shared/httpx"
)

func main() {
	log := lambdacontext.NewLogger()
	a, err := app.FromEnv(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("start reports function", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpx.Lambda(a.Reports()))
}
