package upslabcli

import (
	"flag"

	"github.com/upslab/upslab/simulator/hidview"
	"github.com/upslab/upslab/simulator/shut"
	"github.com/upslab/upslab/simulator/usbdev"
)

// upslab sim --serial LINK [--pad-descriptor]: the simulated unit on a
// pseudo-terminal, speaking SHUT, for mge-shut or usbhid-ups port=LINK.
func init() {
	RegisterSimFrontEnd(SimFrontEnd{Name: "shut", Flags: func(fs *flag.FlagSet) func(*SimEnv) (func(), error) {
		link := fs.String("serial", "", "serve SHUT (RS-232) on a pseudo-terminal whose slave `link` points to")
		pad := fs.Bool("pad-descriptor", false, "zero-pad the report descriptor to 1028 bytes, for NUT 2.8.0's mge-shut (NUT #2022)")
		baud := fs.Bool("baud", false, "with --serial, pace the device's bytes at 2400 baud as the real line")
		return func(env *SimEnv) (func(), error) {
			if *link == "" {
				return nil, nil
			}
			p, err := shut.OpenPTY(*link)
			if err != nil {
				return nil, err
			}
			o := shut.Options{Pad: *pad, Noise: env.Device.LineNoise, Seed: 1}
			if *baud {
				o.Baud = shut.Baud
			}
			srv := shut.New(usbdev.New(hidview.New(env.Device)), o)
			go srv.Serve(env.Context, p.Master)
			env.Logf("# SHUT on %s (%s)", *link, p.Slave.Name())
			return func() { p.Close() }, nil
		}
	}})
}
