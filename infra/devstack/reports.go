package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// mountReports adds what EventBridge and an operator's 'aws lambda
// invoke' do in AWS: POST /dev/digest/{weekly|dormant} posts a digest to
// the managers' channel now, POST /dev/rebuild-stats recounts every
// counter ('make rebuild-stats' calls it).
func (st *Stack) mountReports(mux *http.ServeMux) {
	digest := st.App.Digest()
	mux.HandleFunc("POST /dev/digest/{kind}", func(w http.ResponseWriter, r *http.Request) {
		in, _ := json.Marshal(map[string]string{"digest": r.PathValue("kind")})
		if err := digest(r.Context(), in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, "posted to the managers' channel")
	})
	mux.HandleFunc("POST /dev/rebuild-stats", func(w http.ResponseWriter, r *http.Request) {
		sum, err := st.App.RebuildStats(r.Context())
		if err != nil {
			st.log.ErrorContext(r.Context(), "rebuild of the counters failed", "err", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(sum)
	})
}

// daily stands in for the digest's two schedules: the dormant list every
// day and the weekly report on Mondays, at 08:00 in the team's zone.
func (st *Stack) daily(ctx context.Context, digest func(context.Context, json.RawMessage) error) {
	loc := st.App.Config.TimeZone
	for {
		now := time.Now().In(loc)
		next := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, loc)
		if !next.After(now) {
			next = next.AddDate(0, 0, 1)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		kinds := []string{"dormant"}
		if next.Weekday() == time.Monday {
			kinds = append(kinds, "weekly")
		}
		for _, kind := range kinds {
			in, _ := json.Marshal(map[string]string{"digest": kind})
			if err := digest(ctx, in); err != nil {
				st.log.ErrorContext(ctx, "scheduled digest failed", "digest", kind, "err", err)
			}
		}
	}
}
