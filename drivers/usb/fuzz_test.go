package usb

import "testing"

// FuzzDescriptors: the configuration and report descriptor scanners take
// device data; nothing a device sends may make them panic.
func FuzzDescriptors(f *testing.F) {
	fc := &fakeConn{report: loadReport(f)}
	f.Add(fc.config())
	f.Add(fc.report)
	f.Add([]byte{0xfe, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseConfig(b)
		InterruptEndpoint(b)
		l, _ := ReportLengths(b)
		for id, n := range l {
			if n < 0 {
				t.Fatalf("report 0x%02x: negative length %d", id, n)
			}
		}
	})
}
