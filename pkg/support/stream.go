package support

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// ChunkBytes is the most data one chunk carries, well under gRPC's 4 MiB
// message limit.
const ChunkBytes = 256 << 10

// Chunk is one piece of one collected file. Last marks the file's final
// chunk (an empty file is one Last chunk).
type Chunk struct {
	Path string
	Data []byte
	Last bool
}

// ErrTooLarge is returned when a collection is over the size cap.
var ErrTooLarge = errors.New("collection is over the size cap")

// Send streams the files of a collection in dir: only the paths the
// collection wrote, inside dir and regular files. The total size is
// checked against maxBytes before anything is sent.
func Send(dir string, files []string, maxBytes int64, send func(*Chunk) error) error {
	var total int64
	for _, name := range files {
		p, err := inside(dir, name)
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%q is not a regular file of the collection", name)
		}
		total += fi.Size()
	}
	if maxBytes > 0 && total > maxBytes {
		return fmt.Errorf("%w: %d bytes, cap %d; narrow it with -D/-F/-S/-E or -e, or set support_config.file_transfer_exec",
			ErrTooLarge, total, maxBytes)
	}
	buf := make([]byte, ChunkBytes)
	for _, name := range files {
		if err := sendFile(dir, name, buf, send); err != nil {
			return err
		}
	}
	return nil
}

func sendFile(dir, name string, buf []byte, send func(*Chunk) error) error {
	p, _ := inside(dir, name)
	f, err := openNoFollow(p)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		n, err := io.ReadFull(f, buf)
		last := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !last {
			return err
		}
		// The chunk's data is copied: send may keep it past this loop.
		if serr := send(&Chunk{Path: name, Data: append([]byte(nil), buf[:n]...), Last: last}); serr != nil {
			return serr
		}
		if last {
			return nil
		}
	}
}

// inside is name's path under dir, refusing names that leave it.
func inside(dir, name string) (string, error) {
	local := filepath.FromSlash(name)
	if name == "" || !filepath.IsLocal(local) {
		return "", fmt.Errorf("%q is outside the collection; refused", name)
	}
	return filepath.Join(dir, local), nil
}

// Receiver writes streamed chunks under Dir, never over an existing file
// and never outside Dir, up to MaxBytes in all.
type Receiver struct {
	Dir      string
	MaxBytes int64
	Files    []string
	Bytes    int64
	cur      *os.File
	curName  string
}

// Write stores one chunk.
func (r *Receiver) Write(c *Chunk) error {
	if r.cur == nil || r.curName != c.Path {
		if r.cur != nil {
			return fmt.Errorf("chunk of %q before %q was finished", c.Path, r.curName)
		}
		p, err := inside(r.Dir, c.Path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, 0o640)
		if err != nil {
			return err
		}
		r.cur, r.curName = f, c.Path
		r.Files = append(r.Files, c.Path)
	}
	r.Bytes += int64(len(c.Data))
	if r.MaxBytes > 0 && r.Bytes > r.MaxBytes {
		r.Close()
		return fmt.Errorf("%w: more than %d bytes received", ErrTooLarge, r.MaxBytes)
	}
	if _, err := r.cur.Write(c.Data); err != nil {
		r.Close()
		return err
	}
	if c.Last {
		err := r.cur.Close()
		r.cur = nil
		return err
	}
	return nil
}

// Close closes a file left unfinished by a broken stream.
func (r *Receiver) Close() {
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
}
