"""Texts of the demo shop: the Chinese lines of every kind of message, lost reasons, filter words, test accounts.

A message's text is drawn by *category* (``c_ask`` a customer's question,
``a_answer`` an agent's answer, ``reminder`` a payment reminder …): the
conversation simulator picks categories, :func:`text_codes` one line of each.
"""

from __future__ import annotations

import numpy as np

TEST_ACCOUNTS = ("test_001", "test_002")
"""The shop's internal test accounts: blacklisted in params/metrics.yaml ``filter.customers``."""
FILTER_KEYWORDS = ("加微信", "加[vV威]", "[vV][xX]\\d", "刷单", "刷信誉", "代刷", "兼职", "代运营")
"""Regexes matching the demo's ads and spam: params/metrics.yaml ``filter.keywords``."""

LOST_REASONS = {
    "价格太贵": 0.24, "没有优惠": 0.14, "对比其他店铺": 0.15, "尺码规格不合适": 0.12,
    "担心质量": 0.10, "只是看看": 0.10, "发货太慢": 0.08, "库存不足": 0.07,
}
"""Reasons an agent records for a lost inquiry (lost_reasons.reason) and how often each is drawn."""
QUOTE_REASONS = ("价格太贵", "没有优惠", "对比其他店铺")
"""Reasons of customers lost at the quote stage (after hearing the price): weak closers record more of them."""

PHRASES: dict[str, tuple[str, ...]] = {
    "c_open": ("在吗", "你好", "在不在", "亲，在吗", "有人吗", "你好，请问这个有货吗", "这个有货吗", "这款还有吗",
               "老板在吗", "你好，想咨询一下"),
    "c_ask": ("什么时候发货", "能便宜点吗", "有优惠券吗", "包邮吗", "这个和另一款有什么区别", "尺码怎么选",
              "我身高165体重100斤选什么码", "是正品吗", "有赠品吗", "几天能到", "发什么快递", "质量怎么样", "能开发票吗",
              "可以用花呗吗", "有没有别的颜色", "满减活动还有吗", "买两件能便宜吗", "适合送人吗", "保修多久", "会不会掉色",
              "能发顺丰吗", "今天下单今天发吗", "材质是什么的", "洗了会缩水吗", "别家比你们便宜，还能少点吗"),
    "c_buy": ("好的，那我拍了", "行，我下单了", "拍了，尽快发货哦", "已拍，麻烦快点发", "好的，现在就拍", "那我拍两件"),
    "c_lost": ("我再看看", "好吧，我考虑一下", "太贵了，算了", "那算了", "嗯嗯，我再对比一下", "有点贵，再说吧"),
    "c_later": ("我明天再来看看", "好的，我想想", "我先收藏了", "等活动再买吧", "我问问家里人"),
    "c_thanks": ("好的谢谢", "谢谢", "嗯嗯", "好的", "OK", "谢谢亲"),
    "c_follow": ("我拍了，能改价吗", "刚拍的能便宜点吗", "付款的时候优惠券用不了", "帮我备注一下尽快发货", "拍错颜色了能改吗",
                 "怎么付款不了"),
    "c_post": ("我的快递到哪了", "怎么还没发货", "什么时候能到", "可以退货吗", "收到的东西有破损", "尺码不合适能换吗", "我要退款",
               "发票怎么开", "少发了一件", "物流好几天没更新了", "怎么申请售后", "质量有问题，怎么处理"),
    "c_pii": ("地址改成北京市朝阳区建国路12号，电话13812345678", "收件人换成王女士，手机13987654321",
              "帮我改下地址：上海市浦东新区世纪大道88号", "电话写错了，应该是15900001111",
              "寄到广州市天河区体育西路101号，电话18612345678"),
    "spam": ("加微信领红包，vx13579", "刷单兼职，日结300元", "招聘兼职打字员，加V详聊", "店铺代运营推广，包上首页",
             "专业刷信誉，加微信咨询", "兼职日结，手机就能做", "低价代刷销量好评"),
    "test": ("测试", "测试一下", "test", "测试消息请忽略"),
    "a_greet": ("亲，在的哦~", "您好，很高兴为您服务~", "在的亲，请问有什么可以帮您？", "亲亲您好，在的呢"),
    "a_answer": ("亲，现货的哦，今天下单48小时内发货", "亲，默认发中通快递，一般2-3天到", "亲，店铺现在有满199减20的活动哦",
                 "可以领取页面上的优惠券哦", "亲，这款是正品，支持专柜验货", "按您的身高体重建议选M码哦", "亲，支持七天无理由退换",
                 "价格已经是活动价了哦亲", "这款有黑、白、灰三种颜色", "亲，支持开电子发票的", "可以用花呗分期的哦",
                 "亲，下单送小礼物的", "这款面料是纯棉的，不起球", "亲，可以加5元升级顺丰哦", "两款主要是材质不一样，这款更耐用"),
    "a_upsell": ("亲，搭配这款一起买更划算哦", "现在下单还送运费险哦", "活动今晚结束，建议您尽快下单哦", "买两件再减10元，很划算的",
                 "这款是店里的爆款，回购率很高哦"),
    "a_close": ("感谢亲的支持，有问题随时找我哦~", "好的亲，拍下后会尽快为您安排发货", "不客气亲，祝您生活愉快~",
                "好的亲，有需要随时联系我们", "收到亲，马上为您安排"),
    "a_follow": ("亲，已经帮您改好价格了，可以付款了", "好的亲，已经备注尽快发货", "亲，刷新一下页面再付款试试", "可以的亲，已经帮您修改了"),
    "a_post": ("亲，帮您查询了，快递已经在路上了", "亲，已经为您催促仓库尽快发货", "亲，可以申请退货的，寄回地址发您了",
               "非常抱歉给您带来不便，马上为您处理", "好的亲，已经帮您修改地址了", "亲，退款已经为您处理了，请注意查收",
               "麻烦亲拍一下照片，我们核实一下", "亲，为您申请补发，请耐心等待"),
    "a_spam": ("不需要，谢谢", "亲，请问有什么可以帮您？", "您好，这里是店铺客服"),
    "a_test": ("收到", "测试正常"),
    "auto_day": ("您好，欢迎光临本店！客服马上为您服务~", "【自动回复】亲，请问有什么可以帮您？", "亲，欢迎光临，有任何问题都可以咨询我哦"),
    "auto_night": ("亲，现在是非工作时间，客服上线后会第一时间回复您", "【自动回复】客服工作时间为8:00-24:00，请留言"),
    "reminder": ("亲，您拍下的宝贝还没付款哦，库存紧张，尽快付款哦~", "亲，您的订单还没有支付，今天付款今天发货哦",
                 "亲，看到您有一笔订单未付款，有什么疑问可以问我哦"),
}
"""The lines of each text category: ``c_*`` customers', ``a_*`` agents', ``auto_*`` auto-replies, spam, tests, reminders."""

CAT = {name: i for i, name in enumerate(PHRASES)}
"""Text category name → its number (the order of :data:`PHRASES`)."""
_SIZES = np.array([len(p) for p in PHRASES.values()])
_OFFSETS = np.concatenate([[0], np.cumsum(_SIZES)[:-1]])
TEXTS = [text for pool in PHRASES.values() for text in pool]
"""Every line of :data:`PHRASES` in order: a text code indexes it."""


def text_codes(rng: np.random.Generator, cat: np.ndarray) -> np.ndarray:
    """For each message's text category, one line of that category drawn uniformly (an index into :data:`TEXTS`)."""
    return _OFFSETS[cat] + (rng.random(len(cat)) * _SIZES[cat]).astype(np.int64)
