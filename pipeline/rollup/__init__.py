"""Stage `rollup`: the store in, the district roll-up workbooks out.

Reads what is stored (submissions, documents, problems, reminders sent) and
writes, per campaign, one workbook per ISO week and one cumulative (累计)
workbook: 汇总, 明细, 分类统计, 未报送, 待处理.

- campaigns: which campaign a mail belongs to, and the weeks a workbook covers;
- data: the scope of a workbook and the frames it shows (`load`, `select`);
- standing: where each roster unit stands (按时, 逾期, 未报送, figures);
- context, sheets, mailsheets: the sheets as DataFrames with their layout;
- workbook: DataFrames to a printable xlsx; report: `write_report`.
"""
