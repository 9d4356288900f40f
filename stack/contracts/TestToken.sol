// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// An ERC20 for tests: any caller may mint or set any balance, up to uint256 max.
contract TestToken {
    string public name;
    string public symbol;
    uint8 public decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        unchecked {
            totalSupply += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    /// Sets a balance outright; totalSupply is not kept consistent (it may wrap).
    function setBalance(address holder, uint256 amount) public {
        unchecked {
            totalSupply = totalSupply - balanceOf[holder] + amount;
        }
        balanceOf[holder] = amount;
    }

    function setBalances(address[] calldata holders, uint256[] calldata amounts) external {
        require(holders.length == amounts.length, "length mismatch");
        for (uint256 i = 0; i < holders.length; i++) {
            setBalance(holders[i], amounts[i]);
        }
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
