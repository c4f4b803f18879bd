package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// Part is one leaf part of a message, decoded.
type Part struct {
	ContentType string               // the media type, e.g. "text/plain"
	Params      map[string]string    // its parameters, e.g. charset
	Header      textproto.MIMEHeader // the part's own header as sent
	Body        string               // decoded from quoted-printable or base64
}

// Parts returns the leaf parts of the message in order, decoded: one for a
// single-part message, the text and HTML parts of a multipart/alternative.
func (r *Received) Parts() ([]Part, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return nil, fmt.Errorf("smtptest: %w", err)
	}
	return leaves(textproto.MIMEHeader(msg.Header), msg.Body)
}

// Text returns the decoded text/plain part, or "" when there is none.
func (r *Received) Text() string { return r.part("text/plain") }

// HTML returns the decoded text/html part, or "" when there is none.
func (r *Received) HTML() string { return r.part("text/html") }

// Body returns the decoded text/plain and text/html parts; either is "" when
// the message does not have it.
func (r *Received) Body() (text, html string, err error) {
	parts, err := r.Parts()
	if err != nil {
		return "", "", err
	}
	for _, p := range parts {
		switch {
		case p.ContentType == "text/plain" && text == "":
			text = p.Body
		case p.ContentType == "text/html" && html == "":
			html = p.Body
		}
	}
	return text, html, nil
}

func (r *Received) part(mediaType string) string {
	parts, _ := r.Parts()
	for _, p := range parts {
		if p.ContentType == mediaType {
			return p.Body
		}
	}
	return ""
}

// leaves walks a MIME entity and returns its leaf parts.
func leaves(h textproto.MIMEHeader, body io.Reader) ([]Part, error) {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("smtptest: Content-Type %q: %w", ct, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		var out []Part
		for {
			p, err := mr.NextRawPart() // raw: decode here, whatever the encoding
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return nil, fmt.Errorf("smtptest: %s: %w", mediaType, err)
			}
			sub, err := leaves(p.Header, p)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
	}
	var dec io.Reader = body
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		dec = quotedprintable.NewReader(body)
	case "base64":
		dec = base64.NewDecoder(base64.StdEncoding, body) // ignores line breaks
	}
	b, err := io.ReadAll(dec)
	if err != nil {
		return nil, fmt.Errorf("smtptest: %s body: %w", mediaType, err)
	}
	return []Part{{ContentType: mediaType, Params: params, Header: h, Body: string(b)}}, nil
}
