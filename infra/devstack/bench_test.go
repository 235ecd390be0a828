package devstack_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/channel/chat"
)

// BenchmarkChatWebhook measures what a visitor waits for: POST
// /chat/messages through the local stack (HTTP, the API Gateway event
// adapter, ingest into DynamoDB Local, enqueue), and reports the median
// and p90 latency beside ns/op.
func BenchmarkChatWebhook(b *testing.B) {
	st := startStack(b, map[string]string{})
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, body := postJSON(b, st.URL+"/chat/messages", chat.PostRequest{
			VisitorID: "benchVisitor_00000001", MessageID: fmt.Sprintf("bench-%d-%08d", b.N, i), Text: "still waiting for my order",
		})
		lat = append(lat, time.Since(start))
		if res.StatusCode != http.StatusCreated {
			b.Fatalf("POST = %d %s", res.StatusCode, body)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
}

// BenchmarkWhatsAppWebhook measures Meta's side of a customer message:
// POST /webhooks/meta with a signed one-message notification through the
// local stack (signature, parse, ingest into DynamoDB Local, enqueue).
func BenchmarkWhatsAppWebhook(b *testing.B) {
	st := startStack(b, map[string]string{})
	raw, err := os.ReadFile("../../shared/channel/meta/testdata/whatsapp_text_message.json")
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := bytes.Replace(raw, []byte(`"external_id"`), []byte(fmt.Sprintf(`"wamid.bench-%d-%d"`, b.N, i)), 1)
		start := time.Now()
		res, err := st.Webhook(context.Background(), "meta", body)
		lat = append(lat, time.Since(start))
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("webhook = %v, %v", res, err)
		}
		res.Body.Close()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "p90-ms")
}
