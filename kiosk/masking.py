"""Masking of personal numbers for screens, receipts and logs."""
from __future__ import annotations


def mask_middle(text: str, keep_start: int = 4, keep_end: int = 4, fill: str = "*") -> str:
    if len(text) <= keep_start + keep_end:
        return fill * max(len(text) - 2, 0) + text[-2:] if len(text) > 2 else fill * len(text)
    return text[:keep_start] + fill * (len(text) - keep_start - keep_end) + text[-keep_end:]


def mask_serial(serial: str) -> str:
    return mask_middle(serial, 4, 4)


def mask_customer(customer_no: str) -> str:
    return mask_middle(customer_no, 2, 3)


def mask_name(name: str) -> str:
    """张三丰 -> 张*丰, 李四 -> 李*"""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
