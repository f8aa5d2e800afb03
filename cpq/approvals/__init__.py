"""Discount approval policy: which levels of the approval chain a priced quote needs, who approves
them, whether an earlier approval still stands, and how far a rep can go without one.

Pure: plain data in, frozen data out (``files`` reads the one policy file). docs/approvals.md.
"""
