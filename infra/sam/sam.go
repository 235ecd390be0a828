// Package sam reads template.yaml, so that the local stack and the tests
// create the same table and mount the same routes as the deployed stack.
package sam

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	cfndynamodb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"

	"github.com/switchboard-inbox/switchboard"
)

// TableLogicalID is the table's logical id in template.yaml.
const TableLogicalID = "Table"

// Parse parses the embedded template.yaml.
func Parse() (*cloudformation.Template, error) {
	tpl, err := goformation.ParseYAML(switchboard.Template)
	if err != nil {
		return nil, fmt.Errorf("parse template.yaml: %w", err)
	}
	return tpl, nil
}

// CreateTable creates the template's table under the given name, with its
// indexes and time-to-live attribute.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	tpl, err := Parse()
	if err != nil {
		return err
	}
	table, err := tpl.GetDynamoDBTableWithName(TableLogicalID)
	if err != nil {
		return fmt.Errorf("template.yaml: %w", err)
	}
	in, err := createTableInput(table, name)
	if err != nil {
		return err
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	if ttl := table.TimeToLiveSpecification; ttl != nil && ttl.Enabled {
		_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName: &name,
			TimeToLiveSpecification: &types.TimeToLiveSpecification{
				AttributeName: ttl.AttributeName,
				Enabled:       aws.Bool(true),
			},
		})
		if err != nil {
			return fmt.Errorf("enable time to live on table %s: %w", name, err)
		}
	}
	return nil
}

func createTableInput(t *cfndynamodb.Table, name string) (*dynamodb.CreateTableInput, error) {
	if len(t.KeySchema) == 0 {
		return nil, errors.New("template.yaml: table has no KeySchema")
	}
	in := &dynamodb.CreateTableInput{
		TableName:   &name,
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(t.KeySchema),
	}
	if t.BillingMode != nil && *t.BillingMode != string(types.BillingModePayPerRequest) {
		return nil, fmt.Errorf("template.yaml: table billing mode %s is not supported locally", *t.BillingMode)
	}
	for _, a := range t.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName),
			AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	for _, g := range t.GlobalSecondaryIndexes {
		p := &types.Projection{ProjectionType: types.ProjectionTypeAll}
		if g.Projection != nil {
			if g.Projection.ProjectionType != nil {
				p.ProjectionType = types.ProjectionType(*g.Projection.ProjectionType)
			}
			p.NonKeyAttributes = g.Projection.NonKeyAttributes
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(g.IndexName),
			KeySchema:  keySchema(g.KeySchema),
			Projection: p,
		})
	}
	return in, nil
}

func keySchema(ks []cfndynamodb.Table_KeySchema) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, 0, len(ks))
	for _, k := range ks {
		out = append(out, types.KeySchemaElement{
			AttributeName: aws.String(k.AttributeName),
			KeyType:       types.KeyType(k.KeyType),
		})
	}
	return out
}

// Route is one HTTP API route of a function.
type Route struct {
	Function string
	Method   string
	Path     string
}

func (r Route) String() string { return r.Method + " " + r.Path + " -> " + r.Function }

// Routes lists the HTTP API routes of every function in template.yaml,
// sorted by path and method.
func Routes(tpl *cloudformation.Template) []Route {
	var routes []Route
	for name, fn := range tpl.GetAllServerlessFunctionResources() {
		for _, ev := range fn.Events {
			if ev.Type != "HttpApi" || ev.Properties == nil || ev.Properties.HttpApiEvent == nil {
				continue
			}
			h := ev.Properties.HttpApiEvent
			routes = append(routes, Route{
				Function: name,
				Method:   strings.ToUpper(aws.ToString(h.Method)),
				Path:     aws.ToString(h.Path),
			})
		}
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].Path != routes[j].Path {
			return routes[i].Path < routes[j].Path
		}
		return routes[i].Method < routes[j].Method
	})
	return routes
}
