package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// SMS sends text messages through Twilio's REST API shape
// (POST {BaseURL}/2010-04-01/Accounts/{sid}/Messages.json), so any
// provider or stand-in that speaks it works.
type SMS struct {
	BaseURL    string // default https://api.twilio.com
	AccountSID string
	AuthToken  string
	From       string // the sending number, E.164
	Client     *http.Client
	Now        func() time.Time
}

var _ quench.Channel = (*SMS)(nil)

// Kind returns sms.
func (s *SMS) Kind() quench.ContactKind { return quench.ContactSMS }

// Send texts one message: the title and the reply codes, short.
func (s *SMS) Send(ctx context.Context, m *quench.Message) (quench.SendResult, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		base = "https://api.twilio.com"
	}
	form := url.Values{"To": {m.Address.Address}, "From": {s.From}, "Body": {Short(m)}}
	endpoint := base + "/2010-04-01/Accounts/" + url.PathEscape(s.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return quench.SendResult{}, &quench.SendError{Message: "sms: " + err.Error()}
	}
	req.SetBasicAuth(s.AccountSID, s.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("I-Twilio-Idempotency-Token", m.Key)
	resp, err := s.Client.Do(req)
	if err != nil {
		return quench.SendResult{}, transportError(ctx, err, "sms")
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err := httpError(resp, s.Now(), "sms provider"); err != nil {
		var detail struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		var se *quench.SendError
		if json.Unmarshal(body, &detail) == nil && detail.Message != "" && errors.As(err, &se) {
			se.Message += fmt.Sprintf(": %s (code %d)", detail.Message, detail.Code)
		}
		return quench.SendResult{}, err
	}
	var ok struct {
		SID string `json:"sid"`
	}
	_ = json.Unmarshal(body, &ok)
	return quench.SendResult{ProviderID: ok.SID}, nil
}

// TwilioSignature computes X-Twilio-Signature for a POST to fullURL with
// form parameters: base64(HMAC-SHA1(authToken, URL + each key and value,
// keys sorted)).
func TwilioSignature(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		vals := append([]string(nil), form[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TwilioVerifier checks inbound webhooks from Twilio. URL is the inbound
// route's public address exactly as configured at Twilio (the signature
// covers it), e.g. https://quench.example.com/sms/inbound.
type TwilioVerifier struct {
	AuthToken string
	URL       string
}

// VerifySMS checks X-Twilio-Signature against the form.
func (v *TwilioVerifier) VerifySMS(r *http.Request, form url.Values) error {
	got := r.Header.Get("X-Twilio-Signature")
	if got == "" {
		return errors.New("missing X-Twilio-Signature")
	}
	want := TwilioSignature(v.AuthToken, v.URL, form)
	if !hmac.Equal([]byte(got), []byte(want)) {
		return errors.New("X-Twilio-Signature does not match")
	}
	return nil
}
