"""The record set a Chinese internal audit files (the record pack), as Word documents in the
audit's language: the audit report, one nonconformity report per NC (不符合项报告), the NC
distribution table (不符合项分布表) and the attendance sheets of the opening and closing
meetings, zipped into one pack (``pack.build_record_pack``). All of it is drawn from what
the bot already holds (``data.load_record_set``).
"""
