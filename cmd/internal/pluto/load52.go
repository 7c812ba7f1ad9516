package pluto

// wireMessage is a control-socket message of one Libreswan release
// (Message for 4.10, Message52 for 5.2): sendAll sends either.
type wireMessage interface {
	Encode() ([]byte, error)
}

func wireMessages[M wireMessage](msgs []M) []wireMessage {
	out := make([]wireMessage, len(msgs))
	for i, m := range msgs {
		out[i] = m
	}
	return out
}

// messageRelease is the Libreswan release whose layout m has.
func messageRelease(m wireMessage) string {
	if _, ok := m.(*Message52); ok {
		return V5_2.String()
	}
	return MessageVersion
}

// add5 loads conns into a 5.x pluto. When pluto asked for 5.2's magic (or,
// not asked, is said to be 5.2: ipsec setup knows the release it started),
// the conns Messages52 takes are sent as 5.2's own messages, as 5.2's
// addconn sends them for their canonical text (TestEncode52MatchesAddconn):
// no file, no second parse, names with blanks kept. The others, and
// every conn of another 5.x release, go through addConf5. A 5.2 pluto
// that refuses the message after all gets the rest through addConf5 too.
// When pluto stops answering, gone says what was loaded and what was not.
func (l *Loader) add5(conns []*Conn) (status int, gone error) {
	if l.plutoMagic != WhackMagic52 && (l.plutoMagic != 0 || l.Version != V5_2) {
		return l.addConf5(conns), nil
	}
	var direct []encoded
	var viaAddconn []*Conn
	for _, m := range conns {
		msgs, err := m.Messages52()
		if err != nil {
			viaAddconn = append(viaAddconn, m)
			continue
		}
		direct = append(direct, encoded{m, wireMessages(msgs)})
	}
	status, rest, gone := l.sendAll(direct)
	if gone != nil {
		return status, gone
	}
	for _, e := range rest {
		viaAddconn = append(viaAddconn, e.c)
	}
	if st := l.addConf5(viaAddconn); st != 0 && status == 0 {
		status = st
	}
	return status, nil
}
