// Command rebuild-stats asks the local stack ('make dev') to recount every
// report counter from the stored conversations: 'make rebuild-stats'. In
// AWS the rebuild-stats function does the same (README).
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	base := os.Getenv("SWITCHBOARD_URL")
	if base == "" {
		port := os.Getenv("PORT")
		if port == "" {
			port = "8080"
		}
		base = "http://localhost:" + port
	}
	client := &http.Client{Timeout: 15 * time.Minute}
	res, err := client.Post(base+"/dev/rebuild-stats", "application/json", nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rebuild-stats: is 'make dev' running at %s? %v\n", base, err)
		os.Exit(1)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "rebuild-stats: %s: %s", res.Status, body)
		os.Exit(1)
	}
	fmt.Printf("counters rebuilt: %s", body)
}
