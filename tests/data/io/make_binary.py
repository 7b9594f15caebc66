"""Writes the corpus files that cannot be typed as plain UTF-8 text (run from anywhere).

messages_gbk.csv        the chat log as Chinese Excel saves "CSV" (GBK, CRLF)
orders_bom.csv          orders as Excel saves "CSV UTF-8" (byte-order mark, CRLF)
orders_title_rows.xlsx  orders under a merged title row, an export note and a blank row,
                        with real datetime cells, a numeric order id, an Excel serial day
                        number typed as a plain number and one negative amount
"""

import datetime as dt
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent

GBK_ROWS = [
    "时间,买家,客服,发送方,内容",
    "2026-10-01 09:00:00,张三,客服小王,买家,在吗？这款有现货吗",
    "2026-10-01 09:00:20,张三,客服小王,客服,亲，有现货的哦",
    "2026-10-01 09:00:25,张三,客服小王,机器人,【自动回复】感谢您的咨询",
    "2026-10-02 10:00:00,李四,客服小李,买家,什么时候发货",
    "2026-10-02 10:00:40,李四,客服小李,客服,今天下午发出",
]
BOM_ROWS = [
    "订单号,买家,下单时间,付款时间,实付金额,数量",
    "o1,张三,2026-10-01 09:05:00,2026-10-01 09:06:00,199.00,1",
    "o2,李四,2026-10-02 10:10:00,,99.50,2",
]


def main() -> None:
    (HERE / "messages_gbk.csv").write_bytes(("\r\n".join(GBK_ROWS) + "\r\n").encode("gbk"))
    (HERE / "orders_bom.csv").write_bytes(("\r\n".join(BOM_ROWS) + "\r\n").encode("utf-8-sig"))
    book = xlsxwriter.Workbook(HERE / "orders_title_rows.xlsx")
    sheet = book.add_worksheet("订单")
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.merge_range("A1:F1", "2026年10月订单报表")
    sheet.write("A2", "导出时间：2026-11-01 08:00")
    sheet.write_row("A4", ["订单号", "买家", "下单时间", "付款时间", "实付金额", "数量"])
    rows = [
        (1234567890123, "c1", dt.datetime(2026, 10, 1, 9, 5), dt.datetime(2026, 10, 1, 9, 6), 199.0, 1),
        ("o2", "c2", 46297.4236111111, None, "¥1,299.00", 2),  # serial 46297.4236… = 2026-10-02 10:10:00
        ("o3", "c3", dt.datetime(2026, 10, 3, 12, 0), None, -5, 1),
    ]
    for r, row in enumerate(rows, start=4):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, stamp)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()


if __name__ == "__main__":
    main()
