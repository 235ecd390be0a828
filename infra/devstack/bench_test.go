package devstack_test

import (
	"fmt"
	"net/http"
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
