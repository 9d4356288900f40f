// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A token whose balanceOf always reverts with a reason string.
contract RevertingToken {
    uint8 public constant decimals = 18;

    function balanceOf(address) external pure returns (uint256) {
        revert("balanceOf is disabled");
    }
}
