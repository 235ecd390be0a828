// Package switchboard embeds the deployment template, the one definition of
// the table, routes and queues that the local stack and the tests read too.
package switchboard

import _ "embed"

// Template is template.yaml, the AWS SAM template.
//
//go:embed template.yaml
var Template []byte
