package live

// Hooks for the external tests.
type LinkAddr = linkAddr

var (
	PutSLL        = putSLL
	PutSLL2       = putSLL2
	InsertVLANTag = insertVLANTag
	Keep          = keep
	TCPOf         = tcpOf
)
