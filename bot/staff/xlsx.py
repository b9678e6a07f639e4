"""Writing the estimate as an XLSX in 附件2's shape: 类型 | 原始人数 | 重复人数 | 去重复后人数 |
多重身份分类 (one column per category) | 补贴标准 | 补贴金额测算, a 合计 row and the 说明 lines;
a second sheet lists every row that was not counted."""

from __future__ import annotations

from pathlib import Path

from bot.staff.estimate import Estimate
from bot.staff.roster import Problem


def write_estimate(path: Path, title: str, est: Estimate, problems: list[Problem],
                   repeated: list[Problem]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "测算表"
    n = len(est.rows)
    last = 4 + n + 2  # 类型, 3 counts, n overlap columns, 补贴标准, 补贴金额测算
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    ws.cell(1, 1, title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.cell(1, 1).alignment = center
    for col, text in ((1, "类型"), (2, "原始人数"), (3, "重复人数"), (4, "去重复后人数"),
                      (5 + n, "补贴标准"), (6 + n, "补贴金额测算")):
        ws.cell(2, col, text)
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws.cell(2, 5, "多重身份分类")
    if n > 1:
        ws.merge_cells(start_row=2, start_column=5, end_row=2, end_column=4 + n)
    for j, name in enumerate(est.names):
        ws.cell(3, 5 + j, name)
    for r in (2, 3):
        for c in range(1, last + 1):
            ws.cell(r, c).alignment = center
            ws.cell(r, c).font = Font(bold=True)

    for i, row in enumerate(est.rows):
        values = [row.name, row.original, row.duplicates, row.net, *row.overlaps,
                  row.per_person, row.amount]
        for c, v in enumerate(values, start=1):
            ws.cell(4 + i, c, v)
    total = est.total()
    totals = ["合计", total["original"], total["duplicates"], total["net"],
              *(r.original for r in est.rows), None, total["amount"]]
    for c, v in enumerate(totals, start=1):
        ws.cell(4 + n, c, v).font = Font(bold=True)

    note_row = 4 + n + 2
    ws.cell(note_row, 1, "说明：部门提供原始人数：")
    for k, line in enumerate(est.explanation(), start=1):
        ws.cell(note_row + k, 1, f"{k}.{line}；")
    ws.column_dimensions["A"].width = 16
    for c in range(2, last + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12

    sheet = wb.create_sheet("未计入的行")
    sheet.append(["文件", "行号", "原因"])
    for p in [*problems, *repeated]:
        sheet.append([p.file, p.row, p.reason])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["C"].width = 70
    wb.save(path)
