// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A token whose balanceOf spins until it runs out of gas, so an aggregate holding it can fail
/// as a whole.
contract GasBurnerToken {
    function balanceOf(address) external view returns (uint256 spins) {
        while (gasleft() > 0) {
            spins++;
        }
    }
}
