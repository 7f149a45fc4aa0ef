package cells

// Solidity exposes solidity to the external tests (package cells_test).
var Solidity = solidity
