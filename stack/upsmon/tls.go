package upsmon

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/upslab/upslab/stack/protocol"
)

// TLSSettings are upsmon.conf's client TLS directives (CERTPATH,
// CERTVERIFY, FORCESSL, CERTHOST). As NUT 2.8.0's upsmon, every connection
// tries STARTTLS first ("try SSL"); the settings only decide whether the
// certificate is checked and whether clear text is acceptable.
//
// CERTPATH differs from Debian's NUT 2.8.0, which is built with NSS and
// reads an NSS certificate database there: here it is a PEM file or a
// directory of PEM files (trusted CA or server certificates; *.pem, *.crt,
// OpenSSL's hashed *.0 names, any file that holds PEM certificates). An
// NSS database directory holds none, and is reported as such.
type TLSSettings struct {
	CertPath   string
	CertVerify bool
	ForceSSL   bool
	// CertHosts override CertVerify and ForceSSL for one host, as
	// libupsclient's upscli_add_host_cert does; CertName there is the name
	// the server's certificate must carry.
	CertHosts []CertHost
}

// CertHost is a CERTHOST line.
type CertHost struct {
	Host, CertName   string
	Verify, ForceSSL bool
}

// tlsPolicy is what applies to one MONITOR host.
type tlsPolicy struct {
	verify, force bool
	serverName    string // the name the certificate must carry
	certPath      string
}

func (s TLSSettings) policy(host string) tlsPolicy {
	p := tlsPolicy{verify: s.CertVerify, force: s.ForceSSL, serverName: host, certPath: s.CertPath}
	for _, h := range s.CertHosts {
		if h.Host == host {
			p.verify, p.force = h.Verify, h.ForceSSL
			if h.CertName != "" {
				p.serverName = h.CertName
			}
			break
		}
	}
	return p
}

// config builds the crypto/tls configuration for p. Without verification
// (NUT's default: CERTVERIFY 0) any certificate is accepted: the link is
// encrypted but not authenticated, as with real upsmon, which then warns
// "Certificate verification is disabled".
func (p tlsPolicy) config() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: p.serverName}
	if !p.verify {
		cfg.InsecureSkipVerify = true
		return cfg, nil
	}
	pool, err := loadCertPath(p.certPath)
	if err != nil {
		return nil, err
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// loadCertPath reads the PEM certificates at path: one file, or every
// regular file of a directory (files without certificates are skipped).
func loadCertPath(path string) (*x509.CertPool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("CERTPATH: %w", err)
	}
	files := []string{path}
	if fi.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("CERTPATH: %w", err)
		}
		files = files[:0]
		for _, e := range ents {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	pool := x509.NewCertPool()
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("CERTPATH: %w", err)
		}
		if pool.AppendCertsFromPEM(b) {
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("CERTPATH %s holds no PEM certificate (NSS certificate databases are not supported)", path)
	}
	return pool, nil
}

// starttlser is the ability to upgrade a connection; *client.Client has it.
// A Conn without it (the lab's in-memory connections) stays in clear text.
type starttlser interface{ StartTLS(*tls.Config) error }

// errConfig marks a connection NUT refuses before dialling.
var errConfig = errors.New("configuration")

// preTLS is libupsclient's check before connecting: CERTVERIFY without
// CERTPATH cannot work (NUT 2.8.0 says so at every attempt).
func (d *Daemon) preTLS(m Monitor) error {
	p := d.Machine.Config().TLS.policy(m.Host)
	if p.verify && p.certPath == "" {
		d.log(LevelErr, "Configuration error: CERTVERIFY is set, but CERTPATH isn't")
		return errConfig
	}
	return nil
}

// startTLS is libupsclient's upscli_connect TLS step for one connection,
// with NUT 2.8.0's log lines: try STARTTLS; a refusal (ERR
// FEATURE-NOT-CONFIGURED from a upsd without a certificate) means clear
// text unless TLS is required (FORCESSL, or CERTVERIFY, which needs a
// certificate to check); a failed handshake drops the connection. It
// returns the failure that ends the connection, or nil to go on.
func (d *Daemon) startTLS(c Conn, m Monitor) *Failure {
	p := d.Machine.Config().TLS.policy(m.Host)
	st, ok := c.(starttlser)
	if !ok {
		if p.force || p.verify {
			d.log(LevelErr, fmt.Sprintf("Can not connect to NUT server %s in SSL, disconnect", m.Host))
			return IOFailure("SSL is not available")
		}
		return nil
	}
	cfg, err := p.config()
	if err != nil {
		d.log(LevelErr, err.Error())
		return IOFailure("SSL error: " + err.Error())
	}
	err = st.StartTLS(cfg)
	// Any reply but OK STARTTLS (ERR FEATURE-NOT-CONFIGURED from a upsd
	// without a certificate, ERR FEATURE-NOT-SUPPORTED, garbage) is
	// libupsclient's "not supported"; anything else broke the connection.
	var pe *protocol.Error
	var perr protocol.ProtocolError
	refused := errors.As(err, &pe) || errors.As(err, &perr)
	switch {
	case err == nil:
		d.log(LevelInfo, fmt.Sprintf("Connected to NUT server %s in SSL", m.Host))
		if !p.verify {
			// NUT 2.8.0 says this on every TLS connection without CERTVERIFY.
			d.log(LevelWarning, "Certificate verification is disabled")
		}
		return nil
	case refused && p.force:
		d.log(LevelErr, fmt.Sprintf("Can not connect to NUT server %s in SSL, disconnect", m.Host))
		return IOFailure("SSL is not available")
	case refused && p.verify:
		d.log(LevelNotice, fmt.Sprintf("Can not connect to %s in SSL and certificate is needed, disconnect", m.Host))
		// libupsclient 2.8.0 sets no error code on this path; "SSL is
		// not available" says what happened.
		return IOFailure("SSL is not available")
	case refused:
		// "uncrypted": libupsclient 2.8.0's spelling, kept for grep.
		if d.Debug >= 3 {
			d.log(LevelDebug, fmt.Sprintf("Can not connect to %s in SSL, continue uncrypted", m.Host))
		}
		return nil
	}
	d.log(LevelNotice, fmt.Sprintf("Error while connecting to %s, disconnect", m.Host))
	if f := failure(err); f.Text == "Server disconnected" {
		return f
	}
	return IOFailure("SSL error: " + strings.TrimPrefix(err.Error(), "STARTTLS handshake: "))
}
