package media_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/switchboard-inbox/switchboard/infra/s3stub"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/media"
)

func newStore(t *testing.T) (*media.Store, *httptest.Server) {
	t.Helper()
	s3srv := httptest.NewServer(s3stub.New())
	t.Cleanup(s3srv.Close)
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	st := &media.Store{S3: client, Presign: s3.NewPresignClient(client), Bucket: "media", Secret: "link-secret"}
	api := httptest.NewServer(st)
	t.Cleanup(api.Close)
	st.BaseURL = api.URL
	return st, api
}

func TestSaveOpenAndLink(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	a, err := st.Save(ctx, "whatsapp/wamid.1/0", strings.NewReader("\x89PNG\r\n\x1a\n...."), "", "photo one.png")
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentType != "image/png" || a.Size != 12 || a.Key != "whatsapp/wamid.1/0" || a.Name != "photo one.png" {
		t.Errorf("Save = %+v; want the sniffed type, size, key and name", a)
	}
	body, size, err := st.Open(ctx, a.Key)
	if err != nil || size != 12 {
		t.Fatalf("Open = %d bytes, %v", size, err)
	}
	body.Close()
	if _, _, err := st.Open(ctx, "missing"); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("Open(missing) = %v; want ErrNotFound", err)
	}

	// An agent follows the link from Slack: redirected to the file.
	res, err := http.Get(st.URL(a))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(got) != "\x89PNG\r\n\x1a\n...." {
		t.Errorf("following the link: %d %q; want the file", res.StatusCode, got)
	}
}

func TestForgedLinksAreRefused(t *testing.T) {
	ctx := context.Background()
	st, api := newStore(t)
	a, err := st.Save(ctx, "email/1/0-invoice.pdf", strings.NewReader("%PDF-1.4"), "application/pdf", "invoice.pdf")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := st.Save(ctx, "email/2/0-secret.pdf", strings.NewReader("%PDF-1.4 secret"), "application/pdf", "secret.pdf")
	good, _ := url.Parse(st.URL(a))
	swapped := api.URL + "/media/" + other.Key + "?" + good.RawQuery
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name string
		url  string
		want int
	}{
		{"signed", st.URL(a), http.StatusFound},
		{"no signature", api.URL + "/media/" + a.Key, http.StatusForbidden},
		{"another file's signature", swapped, http.StatusForbidden},
		{"tampered signature", strings.Replace(st.URL(a), "sig=", "sig=0", 1), http.StatusForbidden},
	}
	for _, tt := range tests {
		res, err := noRedirect.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("%s: status %d; want %d", tt.name, res.StatusCode, tt.want)
		}
		if tt.want == http.StatusFound && !strings.Contains(res.Header.Get("Location"), "attachment") {
			t.Errorf("%s: redirect %s; want a PDF served as a download", tt.name, res.Header.Get("Location"))
		}
	}
	if (&media.Store{}).URL(a) != "" {
		t.Error("a store without a secret made a link")
	}
}

func TestLinksServeOnlyImagesInline(t *testing.T) {
	ctx := context.Background()
	st, api := newStore(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	location := func(u string) (int, string) {
		t.Helper()
		res, err := noRedirect.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc, _ := url.Parse(res.Header.Get("Location"))
		return res.StatusCode, loc.Query().Get("response-content-disposition") + " " + loc.Query().Get("response-content-type")
	}
	photo, _ := st.Save(ctx, "whatsapp/wamid.HBg%2FAB+c=/0", strings.NewReader("\x89PNG\r\n\x1a\n"), "image/png", "photo.png")
	if strings.ContainsAny(photo.Key, "%+=") || strings.Count(photo.Key, "/") != 2 {
		t.Errorf("key %q; want the escaped provider id hashed into one safe segment", photo.Key)
	}
	fake, _ := st.Save(ctx, "email/1/cat.png", strings.NewReader("<script>alert(1)</script>"), "text/html", "cat.png")
	tests := []struct {
		name, url, want string
		status          int
	}{
		{"a PNG opens inline", st.URL(photo), `inline; filename=photo.png image/png`, http.StatusFound},
		{"HTML named .png downloads", st.URL(fake), `attachment; filename=cat.png application/octet-stream`, http.StatusFound},
		{"the name cannot be changed", strings.Replace(st.URL(fake), "name=cat.png", "name=x.png", 1), " ", http.StatusForbidden},
		{"the type cannot be changed", strings.Replace(st.URL(fake), "type=text%2Fhtml", "type=image%2Fpng", 1), " ", http.StatusForbidden},
		{"a key outside the safe alphabet", api.URL + "/media/email/1/..%2Fx?sig=0", " ", http.StatusForbidden},
	}
	for _, tt := range tests {
		status, got := location(tt.url)
		if status != tt.status || (status == http.StatusFound && got != tt.want) {
			t.Errorf("%s: %d %q; want %d %q", tt.name, status, got, tt.status, tt.want)
		}
	}
}
