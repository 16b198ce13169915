"""Text templates and word pools of the demo county, 云溪县 in 江州市 (all fictional).

Templates are ``str.format`` strings; a ``{slot}`` is filled from ``POOLS`` (a random
choice) unless the scenario supplies it (numbers, clock times, dates). A post's text is
usually an opener, a core and a closer, so that a few hundred lines give many thousand
different posts. Nothing here names a real person; outlets and offices are invented, and
web addresses use the reserved ``.example`` domain.
"""

from __future__ import annotations

# --- places and accounts -------------------------------------------------------------------

COUNTY = "云溪县"
CITY = "江州市"
TOWNS: tuple[str, ...] = ("青石镇", "白沙镇", "河口乡", "溪东街道")
PARK = "云溪化工园区"
SCHOOL = "云溪县第二中学"
WATER_COMPANY = "云溪县自来水公司"
HOSPITAL = "云溪县人民医院"
PARK_VILLAGE = "石门村"
FLOOD_VILLAGE = "柳湾村"
RIVER = "云溪河"
COMPANY = "江州恒泰化工有限公司"

# People far away still talk about home: these are the "beyond the county" places.
FAR_PLACES: tuple[str, ...] = (
    "江州市区",
    "临江县",
    "省城",
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "武汉",
    "成都",
)

PERSON_PREFIXES_LOCAL: tuple[str, ...] = (
    "云溪",
    "江州",
    "青石",
    "白沙",
    "河口",
    "溪东",
    "小城",
    "老街",
    "河边",
    "南门",
    "北岸",
    "云溪河畔",
    "江州城南",
    "二中门口",
)
PERSON_PREFIXES_FAR: tuple[str, ...] = (
    "北漂",
    "沪上",
    "广漂",
    "深漂",
    "杭城",
    "在外",
    "异乡",
    "省城",
    "临江",
)
PERSON_CORES: tuple[str, ...] = (
    "小王",
    "小李",
    "小张",
    "阿强",
    "吃货",
    "宝妈",
    "奶爸",
    "打工人",
    "老司机",
    "钓鱼佬",
    "跑步的",
    "摄影",
    "爱生活",
    "家长",
    "老师傅",
    "小护士",
    "的猫",
    "路人甲",
    "观察员",
    "闲人",
    "青年",
    "大叔",
    "阿姨",
    "小透明",
    "日记",
    "咖啡",
    "追风",
    "骑手",
    "老乡",
    "学生党",
    "上班族",
    "吃瓜群众",
    "二胖",
    "木子",
    "一只鱼",
    "晴天",
    "小满",
    "阿毛",
    "菜菜",
    "大白",
)
PERSON_SUFFIXES: tuple[str, ...] = (
    "",
    "",
    "",
    "呀",
    "君",
    "_",
    "2019",
    "88",
    "666",
    "1990",
    "07",
    "小号",
    "本人",
    "在路上",
)

# (name, author_kind, source_category, platforms it posts on)
GOVERNMENT_ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "emergency": ("云溪县应急管理局", ("weibo", "wechat")),
    "county": ("云溪发布", ("weibo", "wechat")),
    "fire_brigade": ("云溪消防", ("weibo",)),
    "health": ("云溪县卫生健康委员会", ("weibo", "wechat")),
    "education": ("云溪县教育局", ("wechat",)),
    "weather": ("云溪县气象局", ("weibo", "wechat")),
    "city_weather": ("江州市气象台", ("weibo",)),
    "traffic": ("云溪交警", ("weibo",)),
    "flood_office": ("云溪县防汛抗旱指挥部办公室", ("wechat",)),
    "hekou": ("河口乡人民政府", ("wechat",)),
    "market": ("云溪县市场监督管理局", ("wechat",)),
}
ORGANISATION_ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "water": ("云溪县自来水公司", ("weibo", "wechat")),
    "school": ("云溪县第二中学", ("wechat",)),
    "hospital": ("云溪县人民医院", ("wechat", "weibo")),
    "company": ("恒泰化工", ("wechat",)),
    "mall": ("云溪万家购物广场", ("wechat", "douyin")),
}
# (name, category, platforms, news host for URLs)
MEDIA_ACCOUNTS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "jzdaily": ("江州日报", "local_media", ("news", "weibo", "wechat"), "news.jzdaily.example"),
    "yxmedia": ("云溪融媒", "local_media", ("weibo", "wechat", "douyin"), "www.yxrm.example"),
    "jztv": ("江州广播电视台", "local_media", ("weibo", "douyin"), "www.jztv.example"),
    "jzevening": ("江州晚报", "local_media", ("news", "weibo"), "wb.jzdaily.example"),
    "huaxia": ("华夏日报", "central_media", ("news", "weibo"), "www.huaxiadaily.example"),
    "shishi": ("中国时事网", "central_media", ("news",), "www.chinashishi.example"),
    "nanyang": ("南洋视点", "overseas_media", ("news",), "www.nanyangview.example"),
    "asiawire": ("Asia Wire Report", "overseas_media", ("news",), "www.asiawire.example"),
}

#: Local news-relay accounts run by individuals (self-media, 本地自媒体): they pass on what
#: people post and what offices announce, under their own names, to many followers; they
#: do not chat about their lunch or reply under strangers' posts.
RELAY_ACCOUNTS: tuple[str, ...] = ("江州身边事", "云溪百事通", "云溪那些事儿")
FOOD_RELAY_ACCOUNT = "江州吃货联盟"
#: How a relay passes a person's post on: "{relay}" is the account's own name.
RELAY_LEADS: tuple[str, ...] = (
    "【网友爆料】",
    "#{relay}# 网友爆料：",
    "【突发】网友爆料：",
    "#{relay}# 据网友反映，",
)
RELAY_TAILS: tuple[str, ...] = (
    "（网友投稿，具体情况以官方通报为准）",
    " 有知道情况的朋友吗？",
    " 持续关注中。",
    "（视频来源：网友）",
)
#: What a relay account passes on of an ordinary day: openings, events, tips. Not the
#: offices' notices (a fire drill, a hospital's hours), which the incidents' words overlap.
RELAY_LOCAL: tuple[str, ...] = (
    "#{relay}# {mall}新开了一家{shop}，开业三天打八折，有去过的吗？",
    "#{relay}# {town}{festival}本周末开幕，现场有{n}个摊位，吃的玩的都有",
    "#{relay}# {road}新装的红绿灯今天启用了，开车路过的朋友注意看信号",
    "#{relay}# {town}老街改造完工，晚上灯一亮，拍照的人特别多",
    "#{relay}# 粉丝投稿：{town}的{fruit}熟了，{fruit_price}块一斤，果农说今年收成不错",
    "#{relay}# 公交{n}路{date}起调整线路，途经{street}，出行的朋友留意一下",
)
RELAY_FOOD: tuple[str, ...] = (
    "#江州吃货联盟# 粉丝推荐：{street}那家{eat_at}，说是真的绝了，有去过的吗？",
    "#江州吃货联盟# {town}新开的{eat_at}，人均{price}，有粉丝去试过吗？",
    "【探店】{street}的{eat_at}，老板说做了十几年了，周边的朋友可以去尝尝",
)

# --- word pools ---------------------------------------------------------------------------

POOLS: dict[str, tuple[str, ...]] = {
    "town": TOWNS,
    "far": FAR_PLACES,
    "park": ("云溪化工园区", "化工园区", "云溪化工园", "园区那边的化工厂", "化工园"),
    "company_short": ("恒泰化工", "恒泰那个厂", "恒泰化工厂", "那家化工厂"),
    "area": ("储罐区", "一号车间", "原料仓库", "反应车间", "装置区"),
    "dir": ("东边", "东北方向", "北边", "西边", "化工园区方向", "河对面"),
    "spot": ("县城", "溪东街道", "白沙镇菜市场", "云溪大桥上", "县政府附近", "步行街", "高速口"),
    "village": ("石门村", "白沙镇新村", "园区旁边的村子", "石门村和周边几个组"),
    "hashtag_fire": ("#云溪化工园区火灾#", "#江州云溪化工厂起火#", "#云溪爆炸#"),
    "hashtag_school": ("#云溪二中食物中毒#", "#云溪二中学生送医#", "#校园食品安全#"),
    "hashtag_flood": ("#江州暴雨#", "#云溪暴雨#", "#江州防汛#"),
    "hashtag_water": ("#云溪自来水#", "#云溪自来水能不能喝#", "#云溪辟谣#"),
    "hashtag_bg": (
        "#江州美食#",
        "#周末去哪儿#",
        "#云溪生活#",
        "#打工人日常#",
        "#江州身边事#",
        "#今日穿搭#",
        "#县城生活#",
    ),
    "rumour_injured": ("十几个人", "二十多人", "三十余人", "好几十人", "好几个人", "上百人"),
    "school": ("云溪县第二中学", "云溪二中", "二中"),
    "grade": ("初一", "初二", "初三", "高一", "高二", "七年级", "八年级"),
    "dish": (
        "炒饭",
        "炒豆角",
        "凉拌黄瓜",
        "鸡蛋羹",
        "红烧肉",
        "米粉",
        "肉包子",
        "土豆丝",
        "卤鸡腿",
        "青菜豆腐汤",
        "木耳炒肉",
        "酸菜鱼",
        "牛肉面",
        "螺蛳粉",
        "麻辣烫",
        "烧烤",
        "小龙虾",
        "煎饺",
        "酸辣粉",
        "钵钵鸡",
    ),
    # What a school canteen serves for breakfast (the pupils fall ill late in the morning).
    "canteen_dish": ("肉包子", "炒粉", "蒸饺", "鸡蛋饼", "凉拌菜", "豆浆", "卤蛋"),
    "road": ("S213省道", "云溪大道", "滨河路", "人民路", "建设路", "沿江路", "白沙大道"),
    "alt": ("云溪大道", "县道X021", "白沙大道", "环城北路", "G56高速"),
    # Where one eats, with what it is known for: "奶茶店的肉包子" gave chatter away.
    "eat_at": (
        "米粉店的牛肉粉",
        "面馆的牛肉面",
        "烧烤摊的烤串",
        "火锅店的毛肚",
        "串串店的钵钵鸡",
        "小龙虾馆子的蒜蓉小龙虾",
        "早餐店的煎饺",
        "螺蛳粉店的螺蛳粉",
        "酸菜鱼馆子的酸菜鱼",
    ),
    "drink_at": ("奶茶店的杨枝甘露", "咖啡馆的生椰拿铁", "奶茶店的柠檬茶", "烘焙店的蛋挞"),
    "shop": ("火锅店", "奶茶店", "烧烤摊", "面馆", "米粉店", "咖啡馆", "烘焙店", "串串店"),
    "street": ("老街", "步行街", "滨河路", "人民路", "二中后门", "溪东夜市", "新华街"),
    "mall": ("云溪万家购物广场", "溪东商业街", "白沙镇集市", "县城新开的超市", "江州万达"),
    "item": ("电风扇", "凉席", "运动鞋", "蓝牙耳机", "防晒衣", "空气炸锅", "行李箱", "台灯"),
    "fruit": ("西瓜", "桃子", "葡萄", "荔枝", "李子", "香瓜", "杨梅", "黄桃"),
    "team": ("青石镇队", "白沙镇队", "县一中队", "溪东街道队", "河口乡队", "县医院队"),
    "team2": ("县教育局队", "二中教师队", "县供电局队", "江州联队", "临江县队"),
    "subject": ("数学", "英语", "物理", "语文", "化学"),
    "job": ("操作工", "仓管员", "叉车司机", "化验员", "普工", "安全员"),
    "festival": ("农民丰收节", "龙舟赛", "夏季音乐节", "非遗展演", "荷花节", "夜市美食节"),
    "topic": (
        "老旧小区改造",
        "公交线路调整",
        "夜市规范管理",
        "城区道路提质",
        "社区养老服务",
        "农村饮水工程",
    ),
    "weather_word": ("闷热", "晴转多云", "阵雨", "雷阵雨", "大风", "多云"),
    "pet": ("猫", "狗", "仓鼠", "金毛", "柯基", "橘猫"),
    "show": ("新剧", "综艺", "纪录片", "老电影", "动画片"),
}

# --- incident 1: the chemical-plant fire ------------------------------------------------------

FIRE_FIRST: tuple[str, ...] = (
    "刚才{dir}那边“轰”的一声巨响，窗户都在震，{park}那边是不是出事了？",
    "{town}这边听到一声闷响，然后{dir}就冒起黑烟了，有人知道什么情况吗",
    "在{spot}，刚听到爆炸声，往窗外一看{park}方向一大股黑烟",
    "有没有{town}的朋友，刚才那声巨响是什么？吓死了，{dir}全是烟",
    "窗户玻璃都在抖，{dir}是什么东西炸了？",
    "刚才那一声把孩子都吓哭了，{dir}冒了好大的烟",
    "{spot}能看到{dir}一大股黑烟，是不是{park}出事了",
    "好大一声响，整栋楼都感觉到了，{town}的有没有听到",
    "{dir}的天都被烟染黑了，听声音像是爆炸",
    "消防车的声音一直没停，{dir}那边肯定出大事了",
)
FIRE_GROWTH: tuple[str, ...] = (
    "{park}着火了，黑烟一直往{dir}飘，{town}这边都闻到一股刺鼻的味道",
    "消防车一辆接一辆往{park}开，已经数了{trucks}辆了，希望没有人员伤亡",
    "救护车也过去了，听说有人受伤，{park}里面的工人都在往外撤",
    "{park}那边又响了两声，烟更大了，{town}的朋友们关好门窗",
    "{village}已经在疏散了，村干部挨家挨户敲门通知",
    "刚从{park}旁边路过，路口已经拉了警戒线，车都过不去了",
    "朋友在{company_short}上班，说是{area}先起的火，车间的人都跑出来了",
    "听说伤了{rumour_injured}，都送到县人民医院了，医院门口好多人",
    "家在{town}，孩子问外面为什么这么多烟，只能先把窗户都关上",
    "现场视频，浓烟滚滚，消防正在扑救，{clock}拍的",
    "{park}附近的空气里一股塑料烧焦的味道，出门记得戴口罩",
    "爆炸声传了好几公里，{spot}都听到了，整栋楼的人都跑下来看",
    "{company_short}起火了！火光冲天，{town}街上好多人在看",
    "{clock}了火还没灭，消防车还在往{park}开",
    "从{spot}能看到{dir}一柱黑烟，直冲天上",
    "{town}这边停了一会儿电，是不是跟{park}着火有关",
    "路上交警在封路，{road}往{park}方向不让走了",
    "求问{company_short}那边现在什么情况，家里人在里面上班电话打不通",
    "网传伤了{rumour_injured}，是真的吗？等官方消息",
    "求官方通报！{park}到底什么情况，伤了多少人？",
    "{park}离居民区这么近，出这么大的事，住在{town}的太难了",
    "消防员太拼了，顶着浓烟往里冲，{park}的火希望快点灭",
    "刚才又听到一声响，{dir}的烟变成白色的了，是不是在喷水降温",
    "{village}的老人被接到{town}中心小学安置了，志愿者在发水和面包",
    "县人民医院在招募献血，说是{park}那边的伤员需要，{town}的朋友有空去一下",
)
FIRE_FAR: tuple[str, ...] = (
    "在{far}都刷到老家{park}着火的视频了，云溪的朋友们注意安全",
    "人在{far}，看到老家出事，赶紧给爸妈打电话，说{town}那边烟很大",
    "临江县这边也能看到西边天上的黑烟，是云溪那边化工厂吗",
    "{far}的同事都来问我云溪是不是爆炸了，我说等官方消息",
    "江州热搜第一了，{park}的事上了新闻，在{far}看着揪心",
    "身在{far}的云溪人，看到家乡{park}起火，希望伤者平安",
)
FIRE_AFTER_NOTICE: tuple[str, ...] = (
    "官方通报出来了，{injured_cn}受伤，没有人员死亡，万幸",
    "通报说明火已经控制住了，{town}这边的烟也淡了",
    "看了应急管理局的通报，伤者都在救治，希望早日康复",
    "通报里说周边群众已经转移了，{village}的亲戚说安置点挺好的",
    "事故原因还在调查，希望能给个交代，{park}的安全到底谁在管",
    "受伤的{injured_cn}里有我们村的，家属都在县医院守着",
    "有通报就好，之前群里传得乱七八糟的，还说死了人",
    "应急局的通报挺及时，比想象中快，点个赞",
    "为什么{park}离居民区这么近？这次是{injured_cn}受伤，下次呢",
    "大家以官方通报为准，别再转那些没来源的视频了",
)
FIRE_LATE: tuple[str, ...] = (
    "今天{town}空气好多了，那个刺鼻的味道终于散了",
    "给消防员点赞，连续奋战了这么久，辛苦了",
    "希望事故原因尽快公布，化工园区离居民区太近了",
    "{park}的事还有后续吗？受伤的人怎么样了",
    "经过{park}，还能看到烧黑的厂房，心有余悸",
    "这次{park}的事，希望全县化工企业都好好排查一下",
    "听说{company_short}已经停产整顿了，附近的人总算能睡个安稳觉",
)
FIRE_COMMENTS: tuple[str, ...] = (
    "希望伤者平安",
    "消防员辛苦了",
    "太吓人了",
    "关好门窗",
    "求后续",
    "等官方通报",
    "别乱传谣言",
    "我在{town}也听到了",
    "烟好大",
    "平安就好",
    "家里人没事吧",
    "化工厂离得太近了",
    "这味道真的呛",
    "祈祷",
    "希望没人受伤",
    "刚看到消防车过去",
    "{town}这边能看到",
    "安全第一",
    "还好是白天",
    "赶紧查原因",
)

FIRE_BRIGADE = (
    "【火情通报】{date}{onset_clock}许，云溪县消防救援大队接到报警，{park_full}内一化工企业"
    "发生火灾。接警后，共调派{trucks}辆消防车、{firefighters}名指战员赶赴现场处置，"
    "目前火势正在控制中，请周边群众听从现场指挥，不要围观。"
)
FIRE_NOTICE_TITLE = "关于云溪化工园区火情的情况通报"
FIRE_NOTICE = (
    "{date}{onset_clock}许，{park_full}内{company}{area}发生火情。县委县政府高度重视，"
    "第一时间启动应急预案，应急、消防、公安、卫健、生态环境等部门迅速赶赴现场处置。"
    "截至{clock}，明火已得到控制，事故造成{injured}人受伤，均已送县人民医院救治，"
    "暂无人员死亡。周边{evacuated}名群众已安全转移。事故原因正在调查中。"
    "请广大群众不信谣、不传谣，以官方发布信息为准。"
)
FIRE_UPDATE_TITLE = "关于云溪化工园区火情的续报"
FIRE_UPDATE = (
    "截至{date}{clock}，{park_full}火情已全部扑灭，现场清理和监测工作有序进行。"
    "经核实，事故共造成{injured2}人受伤，其中{serious}人伤势较重，目前生命体征平稳。"
    "经环境监测，周边空气和{river}水体各项指标未见异常。转移群众已陆续返回。"
    "事故调查组已成立，调查结果将及时向社会公布。"
)
FIRE_LOCAL_FLASH = (
    "【{hashtag_fire}已致{injured}人受伤】{date}{onset_clock}许，{park_full}内一化工企业"
    "发生火灾，现场冒出大量黑烟。记者从云溪县应急管理局获悉，明火已得到控制，"
    "{injured}名受伤人员均已送医，暂无人员死亡，周边群众已转移。"
)
FIRE_LOCAL_EARLY = (
    "【突发】{date}{onset_clock}许，{park_full}方向传出巨响并冒出浓烟，多名网友反映"
    "听到爆炸声。记者正在赶往现场，消防部门已赶赴处置，具体情况以官方通报为准。"
)
FIRE_LOCAL_NEWS_TITLE = "云溪化工园区一企业发生火灾 {injured}人受伤送医"
FIRE_LOCAL_NEWS = (
    "{date}{onset_clock}许，云溪县{park_full}内{company}发生火灾。"
    "记者赶到现场时看到，园区上空仍有黑烟，多辆消防车在现场处置，周边道路实行交通管制。"
    "据云溪县应急管理局通报，事故造成{injured}人受伤，均已送医救治，暂无人员死亡，"
    "周边{evacuated}名群众已安全转移。{town_quote}事故原因正在调查中，本报将持续关注。"
)
FIRE_TOWN_QUOTES: tuple[str, ...] = (
    "住在石门村的一位村民告诉记者，当时听到“轰”的一声，窗户玻璃都在震。",
    "白沙镇一位店主说，爆炸声传来时，街上的人都跑出来看。",
    "在安置点，志愿者正在为转移群众发放饮用水和食品。",
)
FIRE_CENTRAL_TITLE = "江州云溪一化工企业发生火灾 已致{injured}人受伤"
FIRE_CENTRAL = (
    "{date}{onset_clock}许，江州市云溪县{park_full}内一化工企业发生火灾。据当地应急管理部门"
    "通报，事故已造成{injured}人受伤，暂无人员死亡，周边群众已疏散转移，明火已得到控制。"
    "当地已成立事故调查组，事故原因正在调查中。"
)
FIRE_NANYANG_TITLE = "江州云溪化工厂大火 当地居民担忧空气与水质"
FIRE_NANYANG = (
    "据中国大陆媒体报道，江州市云溪县一处化工园区{date}发生火灾，造成{injured}人受伤。"
    "当地社交媒体上流传的视频显示，现场浓烟滚滚，附近居民称听到多次爆炸声。"
    "部分网民担心空气和饮用水受到影响，当地政府称周边环境监测指标未见异常。"
)
FIRE_ASIAWIRE_TITLE = "Fire at chemical plant in eastern China injures {injured}"
FIRE_ASIAWIRE = (
    "A fire broke out at a chemical plant in Yunxi county, Jiangzhou city, on {date_en}, "
    "injuring {injured} people, local emergency officials said. Videos shared on social media "
    "showed thick black smoke over the industrial park, and residents of nearby villages "
    "were evacuated. No deaths were reported and the cause is under investigation."
)

# --- incident 4: the tap-water rumour -----------------------------------------------------------

RUMOUR_POSTS: tuple[str, ...] = (
    "紧急扩散！{park}爆炸后化学品流进{river}了，自来水已经被污染，这两天千万不要喝自来水！",
    "刚接到在县里上班的亲戚通知，自来水有毒，赶紧囤桶装水，转给家里人",
    "{town}超市的矿泉水已经被抢光了，听说自来水厂取水口就在{park}下游",
    "家人们自来水千万别喝！化工厂的东西都流到河里了，转给身边的人",
    "听说自来水公司内部已经通知员工家里不要用自来水做饭了，大家注意",
    "自来水放出来有股怪味，是不是被化工厂污染了？{town}的有没有一样的",
    "化工厂灭火的水都排进{river}了，自来水肯定不能喝了，别不信",
    "群里都在传自来水被污染了，小孩洗澡都不敢用，到底能不能用啊",
    "【紧急通知】{town}全体居民，因化工厂爆炸，自来水暂停饮用，请互相转告",
    "刚去{mall}买水，货架都空了，都说自来水有毒",
)
RUMOUR_QUESTIONS: tuple[str, ...] = (
    "有谁知道自来水到底能不能喝？官方出来说句话啊",
    "楼下超市排长队买水，是真的自来水污染了吗？",
    "{town}自来水现在能喝吗？家里有老人小孩，急",
    "自来水公司电话一直占线，到底污染没污染",
    "一边说没事一边都在抢水，到底信谁",
)
RUMOUR_AFTER: tuple[str, ...] = (
    "官方辟谣了，自来水没问题，大家别慌",
    "白囤了两箱水，还是要相信官方",
    "差点就信了，自来水公司说取水口在上游，跟化工园区不是一个水系",
    "以后看到“紧急扩散”的消息先别转，等官方说法",
    "辟谣出来了，群里那个造谣的该查一查",
    "看了自来水公司的检测报告，放心了",
    "说没污染就没污染？敢不敢每天公布检测数据",
    "辟谣来得有点晚，超市的水早就被抢光了",
    "自来水公司说了每两个小时检测一次，大家放心用吧",
    "谣言比火灾传得还快，幸好官方及时说明了",
)
RUMOUR_COMMENTS: tuple[str, ...] = (
    "真的假的",
    "已经在囤水了",
    "求辟谣",
    "别传谣",
    "有官方说法吗",
    "我家水没怪味啊",
    "超市的水都卖光了",
    "转给家里人了",
    "信官方的",
    "已辟谣",
    "谁说的",
    "吓得我赶紧关了水龙头",
    "等检测结果",
    "别慌",
)
WATER_CLARIFY_TITLE = "关于我县城区供水水质情况的说明"
WATER_CLARIFY = (
    "近日网传“{park_full}火情导致自来水被污染、不能饮用”的消息不实。我公司取水口位于"
    "{river}上游{km}公里处，与化工园区不在同一水系，火情未对水源造成影响。事件发生后，"
    "我公司立即对水源水、出厂水和管网水进行加密检测，每两小时检测一次，截至{clock}，"
    "各项指标均符合《生活饮用水卫生标准》，请广大市民放心饮用。供水服务热线24小时畅通。"
)
COUNTY_CLARIFY = (
    "【辟谣】网传“化工园区火灾导致自来水污染”不实！经县自来水公司和生态环境部门检测，"
    "城区水源水、出厂水和管网水各项指标均正常，请市民放心饮用。对编造、传播谣言的行为，"
    "公安机关将依法调查处理。请广大群众不信谣、不传谣。"
)
WATER_LOCAL_NEWS_TITLE = "记者探访云溪县自来水厂：水质检测正常 网传污染不实"
WATER_LOCAL_NEWS = (
    "{date}，记者来到云溪县自来水公司水厂，化验室工作人员正在对水样进行检测。"
    "据介绍，水厂取水口位于{river}上游{km}公里处，与化工园区不在同一水系。"
    "火情发生后，水厂将检测频次加密为每两小时一次，各项指标均符合国家标准。"
    "此前，网上流传“化工厂爆炸导致自来水被污染”的消息，引发部分市民抢购瓶装水。"
)

# --- incident 2: food poisoning at the school canteen -----------------------------------------

SCHOOL_POSTS: tuple[str, ...] = (
    (
        "孩子在{school}读{grade}，{meal}在食堂吃的，没过几个小时就开始肚子疼、呕吐，"
        "现在在县人民医院打点滴"
    ),
    "{school}好多学生上吐下泻，医院急诊都坐满了，学校食堂到底给孩子吃了什么",
    "刚从县人民医院出来，门口全是{school}的家长，听说有{sick_cn}学生不舒服",
    "{school}食堂的{canteen_dish}是不是有问题？我家孩子和同桌都吐了",
    "作为{school}家长，希望学校给个说法，食堂的卫生到底有没有人管",
    "班主任在群里说孩子们都送医了，让家长别着急，可怎么能不急",
    "听说是{meal}的{canteen_dish}不新鲜，具体等官方调查吧",
    "县医院儿科排不上号了，都是{school}的学生，医生护士忙得脚不沾地",
    "我家孩子没事，但是同班好几个都去医院了，{school}食堂得好好查查",
    "{school}门口停了好几辆救护车，家长都在往学校赶",
    "孩子打电话哭着说肚子疼，我从{town}开车过去要四十分钟，急死了",
    "{school}的食堂去年就有家长反映过问题，这次终于出事了",
    "住校的孩子最可怜，生病了家长都不在身边，{school}要照顾好",
    "医院说是急性肠胃炎，输完液就能回家，{school}的家长们别太担心",
    "{school}{grade}的家长群已经炸了，都在问孩子情况",
)
SCHOOL_AFTER: tuple[str, ...] = (
    "卫健委通报了，{sick}名学生就诊，没有重症，稍微放心点了",
    "通报说留样食品已经送检了，希望尽快出结果，给家长一个交代",
    "孩子已经出院回家了，说再也不想吃学校食堂了",
    "教育局派了工作组，希望不是走过场，全县学校食堂都该查一查",
    "学校发了致家长的信，道歉是应该的，关键是以后怎么保证",
    "食堂已经封了，这几天孩子们吃什么？学校能不能说清楚",
    "听说食堂承包商换了没多久，招标的时候有没有把关",
    "通报出来得还算快，{sick}个孩子都没大事就好",
)
SCHOOL_COMMENTS: tuple[str, ...] = (
    "孩子们没事吧",
    "食堂必须严查",
    "心疼孩子",
    "等调查结果",
    "家长太难了",
    "学校要给说法",
    "我家也是二中的",
    "希望都没事",
    "食品安全大于天",
    "住校生家长更担心",
    "医院人好多",
    "承包商要追责",
)
HEALTH_NOTICE_TITLE = "关于云溪县第二中学学生就餐后出现身体不适情况的通报"
HEALTH_NOTICE = (
    "{date}{onset_clock}许，{school_full}部分学生在食堂就餐后陆续出现腹痛、呕吐、腹泻等症状。"
    "接报后，县卫健委立即组织医疗力量开展救治，共有{sick}名学生到县人民医院就诊，"
    "目前生命体征平稳，无重症病例。县市场监管局已对学校食堂依法封控，留样食品及相关样本"
    "已送检，具体原因正在调查中。我们将及时公布调查结果。"
)
EDUCATION_NOTICE_TITLE = "县教育局关于开展全县学校食堂食品安全大排查的通知"
EDUCATION_NOTICE = (
    "针对{school_full}学生就餐后出现身体不适一事，县教育局已派出工作组进驻学校，配合做好"
    "学生救治、家长沟通和调查工作。即日起在全县各中小学、幼儿园开展食堂食品安全大排查，"
    "重点检查食材采购、储存、加工和留样等环节，发现问题立即整改。"
)
SCHOOL_LETTER_TITLE = "致全体家长的一封信"
SCHOOL_LETTER = (
    "尊敬的各位家长：{date}{meal}后，我校部分学生出现身体不适，学校第一时间将学生送医，"
    "并安排老师全程陪护。目前就诊学生情况稳定。学校对此深感愧疚，将全力配合有关部门调查，"
    "在食堂恢复供餐前，学生用餐由县教育局统一调配。如有疑问，请联系班主任。"
)
HOSPITAL_NOTICE = (
    "我院已为{school_full}就诊学生开通绿色通道，抽调儿科、消化内科、急诊科医护人员集中救治。"
    "目前就诊学生均为轻症，请家长有序陪护，不要聚集在急诊大厅。"
)
SCHOOL_LOCAL_NEWS_TITLE = "云溪二中{sick}名学生就餐后出现不适 县卫健委：无重症"
SCHOOL_LOCAL_NEWS = (
    "{date}，{school_full}部分学生在食堂就餐后出现腹痛、呕吐等症状。记者从县卫健委获悉，"
    "共有{sick}名学生到县人民医院就诊，均为轻症，无重症病例。学校食堂已被封控，"
    "留样食品已送检。县教育局已在全县开展学校食堂食品安全大排查。"
)

# --- incident 3: the flood warning --------------------------------------------------------------

FLOOD_WARNING_TITLE = "云溪县气象局发布暴雨橙色预警信号"
FLOOD_WARNING = (
    "【暴雨橙色预警】云溪县气象台{date}{clock}发布暴雨橙色预警信号：预计未来{hours_ahead}小时内，"
    "{towns}将出现{mm}毫米以上降雨，局地伴有雷电、短时强降水，请注意防范山洪、"
    "地质灾害和城乡积涝，低洼地带群众做好转移准备。"
)
CITY_WEATHER = (
    "【江州暴雨预警】江州市气象台{clock}发布暴雨黄色预警：受强对流影响，云溪、临江等地"
    "将有大到暴雨，局部大暴雨，请有关部门和公众做好防范。"
)
FLOOD_RESPONSE = (
    "根据当前雨情水情，县防汛抗旱指挥部决定于{date}{clock}启动防汛Ⅳ级应急响应。各乡镇"
    "（街道）要加强巡查，做好山洪、地质灾害隐患点和低洼地带群众的转移准备。"
)
ROAD_CLOSED = (
    "【交通管制】受强降雨影响，S213省道云溪段K{km_mark}+{metres}处发生山体塌方，"
    "{clock}起实行交通管制，过往车辆请绕行{alt}。恢复通行时间另行通知。"
)
EVACUATION = (
    "受持续强降雨影响，{river}河口段水位快速上涨，河口乡{flood_village}低洼地带受到威胁。"
    "乡党委政府组织干部紧急转移群众{evacuated}人，已妥善安置在乡中心小学，"
    "安置点饮用水、食品和被褥供应充足。"
)
RAINFALL = (
    "【雨情通报】截至{clock}，全县平均降雨量{mm_avg}毫米，最大降雨出现在{town}，"
    "累计{mm}毫米。预计强降雨还将持续，请注意防范。"
)
FLOOD_LIFT = (
    "【预警解除】云溪县气象台{clock}解除暴雨橙色预警信号。预警发布以来全县出现大到暴雨，"
    "目前降雨已明显减弱，但山区仍需防范地质灾害。"
)
FLOOD_LOCAL_NEWS_TITLE = "云溪普降暴雨 河口乡转移群众{evacuated}人"
FLOOD_LOCAL_NEWS = (
    "受强对流天气影响，{date}云溪县普降暴雨，{town}累计降雨量达{mm}毫米。S213省道云溪段"
    "一处发生塌方，交警部门已实行交通管制。河口乡紧急转移{flood_village}低洼地带群众"
    "{evacuated}人，目前无人员伤亡。县防汛抗旱指挥部已启动防汛Ⅳ级应急响应。"
)
FLOOD_POSTS: tuple[str, ...] = (
    "{town}这雨下得跟倒的一样，街上积水都到小腿了",
    "雨太大了，{river}水位涨得好快，桥下的石墩都快看不见了",
    "{road}那段积水了，好几辆车熄火在水里",
    "窗外电闪雷鸣，{town}这边停电了",
    "暴雨预警升级了，明天还要不要上班啊",
    "收到暴雨预警短信了，{town}的朋友们注意安全，别去河边",
    "{flood_village}的亲戚说村里开始转移了，河水快漫过堤了",
    "S213塌方了，回{town}只能绕{alt}，多走了一个小时",
    "下了一晚上，家门口成河了，车子只能停在坡上",
    "雨大得看不清路，{road}上的车都开着双闪慢慢挪",
    "{town}的菜地全淹了，今年的收成悬了",
    "小区地下车库进水了，物业在用沙袋堵",
    "刚看到救援队的冲锋舟往河口乡开，希望大家都平安",
    "这雨从下午下到现在没停过，{river}边上的路已经封了",
    "防汛的干部在{town}挨家挨户通知，低洼地带的赶紧转移",
    "暴雨天还在外面跑单的骑手，大家点外卖多点耐心",
)
# What people say when the warning reaches every phone in the county, before the rain.
FLOOD_WARNED: tuple[str, ...] = (
    "收到暴雨橙色预警短信了，大家注意安全，能不出门就别出门",
    "手机刚响了一下，暴雨橙色预警，下午出门记得带伞",
    "暴雨预警都发了，孩子放学怎么接啊",
    "天一下子黑下来了，乌云压过来，这次暴雨预警不是开玩笑的",
    "刚收到气象局的暴雨预警，阳台上的东西赶紧收一收",
    "暴雨橙色预警！住低洼地带的亲戚朋友们提前做好准备",
    "暴雨预警来了，工地下午应该要停工了吧",
    "外面起风了，看这架势雨要来了，你们收到暴雨预警短信了吗",
)
FLOOD_COMMENTS: tuple[str, ...] = (
    "注意安全",
    "别去河边",
    "我们这也在下",
    "雨好大",
    "家里进水了",
    "防汛辛苦了",
    "路上开慢点",
    "希望雨快停",
    "菜地全淹了",
    "转移的群众都安置好了吗",
)

# --- background: ordinary chatter ------------------------------------------------------------

#: Hours of the day, as local [from, to) spans (``to`` below ``from`` runs past midnight).
Hours = tuple[tuple[int, int], ...]
MORNING: Hours = ((6, 12),)
# The rainstorm of the scenario's afternoon: talk of heat and sunshine belongs before it.
BEFORE_THE_RAIN: Hours = ((6, 12),)

#: When a chatter template can be said; templates not named here fit any hour. "傍晚的云
#: 好看" at 09:44 or "又加班到12点" in the morning gave the stream away on the console.
#: Only spans that begin in the early morning are used: the day starts quietly anyway.
BACKGROUND_HOURS: dict[str, Hours] = {}
#: Chatter that complains: it takes a weary opener and closer, never "开心" or "哈哈".
BACKGROUND_GRUMBLES: set[str] = set()
#: Chatter that is pleased: it may end "，开心". The rest (a road works notice, a bus
#: line moved) is said plainly.
BACKGROUND_CHEERS: set[str] = set()


def _chatter(
    *templates: str, hours: Hours | None = None, grumble: bool = False, cheer: bool = False
) -> tuple[str, ...]:
    """Chatter templates that share their hours of the day and their mood."""
    for template in templates:
        if hours is not None:
            BACKGROUND_HOURS[template] = hours
        if grumble:
            BACKGROUND_GRUMBLES.add(template)
        if cheer:
            BACKGROUND_CHEERS.add(template)
    return templates


BACKGROUND: dict[str, tuple[str, ...]] = {
    # Most chatter fits any hour, its time-of-day words drawn for the moment it is posted
    # ({meal_now}, {rush}, {game_when}, {binge}, {overtime}): a template said only in the
    # evening would start all at once at its hour, and detection rightly takes a sudden
    # run of like posts for something happening.
    "food": (
        *_chatter(
            "江州吃货推荐：{street}那家{eat_at}真的绝了",
            "昨晚在家做了{dish}，第一次做就成功了",
            "夏天就是要吃{fruit}，{town}集市上{fruit_price}块钱一斤",
            "{town}的{dish}和江州市区的比，还是老家的好吃",
            "{street}那家店的老板多送了一份{dish}，回头客待遇",
            "今天{meal_now}吃{dish}，简单又好吃",
            "{street}那家{eat_at}排了半小时队，确实香",
            "{drink_at}第二杯半价，冲",
            "饿了，点了一份{dish}外卖，二十分钟就到了",
            "妈妈寄来一箱自己腌的咸鸭蛋，配粥绝了",
            "第一次去{street}吃{dish}，居然现在才发现这家",
            "化工园区门口新开了家火锅店，人均{price}，同事说味道不错",
            cheer=True,
        ),
        *_chatter(
            "{town}新开的{eat_at}味道一般，{price}块有点贵",
            "减肥第{n}天，看到{dish}还是没忍住",
            grumble=True,
        ),
    ),
    "traffic": (
        "云溪大桥在修路，大家绕行{alt}",
        "公交{n}路改线了，有人知道新站点在哪吗",
        "骑电动车记得戴头盔，{road}交警在查了",
        *_chatter(
            "{road}新装了红绿灯，左转要等好久",
            "{town}到县城的班车又涨价了，现在{fare}块",
            "{road}又堵了，{rush}一动不动",
            "开车去江州市区，{alt}上车好多，走了两个小时",
            grumble=True,
        ),
        *_chatter(
            "驾照科目二终于过了，第{few}次才过",
            "{road}那段路修好了，开起来顺多了",
            cheer=True,
        ),
        *_chatter("停车场又满了，绕了三圈才找到车位", grumble=True),
    ),
    "weather": (
        "天气预报说这几天{weather_word}，出门记得带伞",
        *_chatter("空调坏了，这么热的天，修空调的师傅排到后天了", grumble=True),
        # The rainstorm comes in the afternoon: heat and sunshine are the morning's.
        *_chatter(
            "今天{temp}度，热到不想出门",
            "江州的夏天真的是蒸笼，{temp}度还这么闷",
            "早上出门就一身汗，{temp}度了",
            "一会儿晴一会儿雨，晒的被子又收回来了",
            hours=BEFORE_THE_RAIN,
            grumble=True,
        ),
        *_chatter(
            "{town}下了一阵雨又出太阳了，{weather_word}",
            "天气预报说下午可能有暴雨，阳台上的花得提前搬进来",
            hours=BEFORE_THE_RAIN,
        ),
    ),
    "sports": (
        *_chatter(
            "{game_when}县篮球联赛{team}对{team2}，{score}，现场气氛太好了",
            "{run_when}沿着滨河公园跑了{km}公里，配速还行",
            "打了两个小时羽毛球，出了一身汗，舒服",
            cheer=True,
        ),
        *_chatter("{team}昨晚打进决赛了，今晚继续加油", hours=((7, 19),), cheer=True),
        "广场舞大妈和篮球少年又抢场地了，{town}体育公园的日常",
        "{town}体育公园新装了一批健身器材，老人小孩都爱去",
        *_chatter("游泳馆人太多了，{town}啥时候能再建一个", grumble=True),
    ),
    "shopping": (
        "{mall}搞活动，人挤人",
        *_chatter(
            "网购的{item}到了，质量还不错，{item_price}块",
            "{mall}新开了一家{shop}，开业打八折",
            "给爸妈买了个{item}，他们说好用",
            cheer=True,
        ),
        "有没有人知道{town}哪里能修手机屏幕，靠谱一点的",
        *_chatter("{town}集市上的{fruit}{fruit_price}块一斤，好便宜", hours=MORNING, cheer=True),
        *_chatter(
            "快递驿站搬到{street}了，取个快递要走十分钟",
            "买了个{item}，用了{n}天就坏了，售后还不理人",
            grumble=True,
        ),
    ),
    "school": (
        # 14 July is the last week of term: the school canteen of the incident still
        # serves pupils, so the chatter does not say the holidays have begun.
        *_chatter(
            "孩子{grade}了，下周就放假，天天盼着",
            "今年中考成绩出来了，{town}中学考得不错",
            "孩子说学校食堂的{dish}好吃，难得",
            cheer=True,
        ),
        "给孩子报了{subject}暑期班，一节课{class_fee}块",
        "开完期末家长会，老师说{subject}要抓紧",
        "孩子的{subject}试卷拿回来了，比上次进步了几分",
        *_chatter("学期末要交的表格好多，家长比学生还忙", grumble=True),
    ),
    "work": (
        "{park}在招聘{job}，月薪{salary}，有人去过吗",
        "单位组织了消防演练，学了灭火器怎么用",
        "同事推荐了一本书，准备这周看完",
        *_chatter("领导说这个月绩效要调整，心里没底", grumble=True),
        *_chatter(
            "请了年假回{town}，家里的饭就是香",
            "{fruit}上市了，买了一袋犒劳一下自己",
            "单位食堂的{dish}居然不错",
            cheer=True,
        ),
        *_chatter(
            "年中总结写了{n}页，领导说太长了",
            "{meetings_when}开了三个会，{weekday}就这么累",
            "{overtime}，打工人太难了",
            grumble=True,
        ),
    ),
    "life": (
        *_chatter(
            "家里的{pet}今天学会开门了，防不胜防",
            "{town}老街改造完了，晚上来散步的人好多",
            "上周末带孩子去{town}摘{fruit}，玩得很开心",
            "养了{few}年的绿萝终于开花了",
            "{market_when}在{street}吃了{dish}，又逛了会儿夜市",
            "家里的{pet}胖了两斤，该减肥了",
            "阳台上种的小番茄红了，摘了一碗",
            cheer=True,
        ),
        "{town}的老房子要拆迁了，邻居们都在讨论补偿的事",
        *_chatter(
            "{binge}",
            "小区又停水了，说是管网维修",
            "楼上装修，电钻声从早响到晚",
            grumble=True,
        ),
    ),
}
#: Weibo topics a chatter post may carry, by what it is about.
BACKGROUND_HASHTAGS: dict[str, tuple[str, ...]] = {
    "food": ("#江州美食#", "#云溪生活#"),
    "traffic": ("#江州身边事#", "#云溪生活#"),
    "weather": ("#江州天气#", "#云溪生活#"),
    "sports": ("#云溪生活#", "#县城生活#"),
    "shopping": ("#云溪生活#", "#县城生活#"),
    "school": ("#云溪生活#", "#江州身边事#"),
    "work": ("#打工人日常#", "#县城生活#"),
    "life": ("#县城生活#", "#云溪生活#"),
}
BACKGROUND_EN: tuple[str, ...] = (
    *_chatter("Morning run along the river in Yunxi, {km} km done before the heat", hours=MORNING),
    "Trying {dish_en} at a small place near the old street, really good",
    "Back in Jiangzhou for the summer, the night market is as busy as ever",
    "Bus {n} was late again today, waited twenty minutes",
)
BACKGROUND_OTHER: tuple[str, ...] = (
    "江州の夜市で{dish_ja}を食べました。とても美味しかったです。",
    "雲渓の川沿いを散歩しました。今日は{temp}度でした。",
)
DISH_EN: tuple[str, ...] = ("rice noodles", "hotpot", "dumplings", "grilled fish", "bubble tea")
DISH_JA: tuple[str, ...] = ("ラーメン", "餃子", "焼き魚", "火鍋")
BACKGROUND_ORG: tuple[str, ...] = (
    "【便民】{town}停水通知：因管网改造，{street}一带将于明日{from_hour}时至{to_hour}时停水，请提前储水",
    "云溪县{festival}将于本周末在{town}举办，欢迎市民前来参加",
    "{town}农贸市场改造完工，即日起恢复营业",
    "县图书馆新增图书{n}册，暑期开放时间调整为8:30至21:00",
    "江州市推进{topic}，今年计划完成{n}个项目",
    "【便民】公交{n}路{date}起调整线路，途经{street}",
    "云溪县开展夏季安全生产大检查，{date}起重点检查危化品企业和人员密集场所",
    "{town}{date}开展防汛应急演练，{n2}名干部群众参加",
    "【提醒】近期高温，{town}各避暑点开放至{to_hour}时，请老人儿童注意防暑",
    "县政务服务中心{date}起推出周末延时服务，{n}个事项可就近办理",
    "江州市{topic}工作推进会召开，云溪县{n}个项目纳入计划",
    "{town}新建{n}个充电桩投入使用，位于{street}",
    "【招聘】{mall}招聘收银员、理货员{n}名，月薪{salary}",
    "{town}举办就业招聘会，{n}家企业提供岗位{n2}个",
    "县人民医院{date}起开设夏季便民门诊，方便群众就医",
    "{mall}夏季促销开始啦，全场{discount}",
)
BACKGROUND_COMMENTS: tuple[str, ...] = (
    "哈哈哈",
    "同感",
    "真的吗",
    "在哪里",
    "求地址",
    "好羡慕",
    "我也想去",
    "太真实了",
    "加油",
    "学到了",
    "说得对",
    "笑死",
    "一样一样",
    "下次带我",
    "有道理",
    "看着好好吃",
    "好热啊",
    "支持",
    # Everyday wishes and worries: the words an incident's comments use too (希望, 平安,
    # 注意安全, 心疼, 没事) are common in ordinary replies, and a stream whose chatter
    # never used them made them look like an incident's own names.
    "希望明天是晴天",
    "一路平安",
    "注意安全哦",
    "心疼你",
    "辛苦啦",
    "没事吧",
    "吓我一跳",
    "路上小心",
)

# --- composition -------------------------------------------------------------------------------

OPENERS: tuple[str, ...] = (
    "",
    "",
    "",
    "",
    "天哪，",
    "我去，",
    "真的假的，",
    "说一下，",
    "刚刚，",
    "家人们，",
    "唉，",
    "注意了，",
    "有没有人知道，",
    "{clock}，",
    "",
    "啊啊啊，",
    "",
)
CLOSERS: tuple[str, ...] = (
    "",
    "",
    "",
    "",
    "。",
    "！",
    "……",
    "？？",
    "，大家注意安全",
    "，太吓人了",
    "，求扩散",
    "，心疼",
    "，希望平安",
    "，有知道的说一下",
    "，刚刚",
    "，唉",
    "，坐标{town}",
    "，{clock}",
)
# Chatter opens and closes as its mood goes: "有没有人知道，" or "注意了，" before a
# bargain and "，开心" after a traffic jam read as made by a machine.
BG_OPENERS: tuple[str, ...] = ("", "", "", "", "", "", "", "说一下，", "{clock}，", "分享一下，")
BG_OPENERS_UP: tuple[str, ...] = ("啊啊啊，", "家人们，", "真心说一句，", "哈哈，")
BG_OPENERS_DOWN: tuple[str, ...] = ("唉，", "无语，", "真服了，", "救命，")
BG_CLOSERS: tuple[str, ...] = ("", "", "", "", "。", "！", "~", "，记录一下", "，坐标{town}")
BG_CLOSERS_UP: tuple[str, ...] = ("哈哈", "，开心", "，今天也是元气满满", "，有一起的吗", "，推荐")
BG_CLOSERS_DOWN: tuple[str, ...] = ("，累了", "，就这样吧", "，唉", "…", "，服了", "，心累")
COMMENT_OPENERS: tuple[str, ...] = (
    "",
    "",
    "",
    "唉，",
    "天，",
    "是的，",
    "+1 ",
    "楼上说得对，",
    "同问，",
)
COMMENT_CLOSERS: tuple[str, ...] = ("", "", "", "！", "。", "…", "？", "啊", "吧", "了", "哈")
REPOST_REASONS: tuple[str, ...] = (
    "",
    "",
    "",
    "转发",
    "关注",
    "已阅",
    "顶",
    "真的吗",
    "帮转",
    "马克",
    "mark",
    "哈哈",
    "同意",
    "转发周知",
)
INCIDENT_REASONS: tuple[str, ...] = (
    "扩散",
    "希望平安",
    "求后续",
    "等通报",
    "转给家人",
    "太吓人了",
    "心疼",
    "关注进展",
    "注意安全",
    "唉",
)
COPY_PREFIXES: tuple[str, ...] = (
    "转：",
    "【转】",
    "转发：",
    "看到的：",
    "群里看到的：",
    "朋友圈看到：",
)
COPY_SUFFIXES: tuple[str, ...] = (
    "（转）",
    " 扩散",
    " 转给大家",
    "，大家看看",
    "。来源网络",
    " 真的假的",
)
FORUM_PREFIXES: tuple[str, ...] = ("【求助】", "【讨论】", "【爆料】", "【提问】", "", "")
# A chatter thread is shared, grumbled or asked about; nobody "exposes" their lunch.
BG_FORUM_PREFIXES: tuple[str, ...] = ("【分享】", "【闲聊】", "", "")
BG_FORUM_PREFIXES_DOWN: tuple[str, ...] = ("【吐槽】", "【闲聊】", "", "")
BG_FORUM_PREFIXES_ASK: tuple[str, ...] = ("【提问】", "【求助】")
