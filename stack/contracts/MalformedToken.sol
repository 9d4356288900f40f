// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A token whose balanceOf succeeds but returns `returnLength` bytes (0xab...) instead of one
/// 32-byte word: 0 looks like a call to an address without code, 1 and 64 are malformed.
contract MalformedToken {
    uint256 public immutable returnLength;

    constructor(uint256 returnLength_) {
        returnLength = returnLength_;
    }

    function balanceOf(address) external view returns (uint256) {
        uint256 length = returnLength;
        assembly {
            let ptr := mload(0x40)
            for { let i := 0 } lt(i, length) { i := add(i, 32) } {
                mstore(add(ptr, i), 0xabababababababababababababababababababababababababababababababab)
            }
            return(ptr, length)
        }
    }
}
