package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// pixelGIF is a 1×1 transparent GIF.
var pixelGIF = []byte{
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, // header, 1×1, a 2-colour table
	0, 0, 0, 0xff, 0xff, 0xff, // the colour table
	0x21, 0xf9, 4, 1, 0, 0, 0, 0, // graphic control: colour 0 is transparent
	0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, // image descriptor
	2, 2, 0x44, 1, 0, // the image data
	0x3b, // trailer
}

// openTimeout bounds the recording of an open, so the pixel is answered
// quickly even when the database is slow.
const openTimeout = 2 * time.Second

// handleOpen answers an email's open pixel (/o/TOKEN.gif) and records the
// open. It always answers the image: a mail client shows an error as a
// broken image, and a bad or expired token is nobody's business. Nothing
// about the recipient is logged.
func (s *Server) handleOpen(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(r.PathValue("token"), ".gif")
	ctx, cancel := context.WithTimeout(r.Context(), openTimeout)
	err := s.cfg.Contact.RecordOpen(ctx, token)
	cancel()
	if err != nil {
		s.log.WarnContext(r.Context(), "record email open", "err", err)
	}
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Content-Length", strconv.Itoa(len(pixelGIF)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(pixelGIF)
}
