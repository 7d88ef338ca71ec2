// Command gen writes the demo catalog, catalog.json and catalog.csv, into the
// directory given as its argument (default catalog/sample, for running from
// the module root):
//
//	go run ./catalog/sample/gen
//
// The output is deterministic: the same source always writes the same bytes,
// which the package's test checks.
package main

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"log"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
)

// val is one spec value; its price and weight are added to the SKU's.
type val struct {
	label, code string
	price       domain.Money
	weight      int
}

type dim struct {
	name   string
	values []val
}

// model is one SPU of a line: a title suffix, a sentence of description
// (replacing {note} in the line's), an extra price, and dims when they differ
// from the line's.
type model struct {
	label, note string
	price       domain.Money
	dims        []dim
}

// line is a family of SPUs sharing brand, category and spec dimensions.
type line struct {
	prefix, brand, category, noun, desc string
	price                               domain.Money // list price of the cheapest SKU
	costPct                             int          // cost as a percentage of list price
	weight                              int          // grams, with packaging
	dims                                []dim
	models                              []model
}

func colors(codes ...string) dim {
	names := map[string]string{"WHT": "白色", "BLK": "黑色", "GRY": "深灰", "NVY": "藏青", "BLU": "雾霾蓝", "OAT": "燕麦色",
		"LBL": "浅蓝", "DBL": "深蓝", "PNK": "樱花粉", "GRN": "松石绿", "KHK": "卡其", "BEI": "米白", "CRM": "奶油黄", "RED": "中国红"}
	d := dim{name: "颜色"}
	for _, c := range codes {
		d.values = append(d.values, val{label: names[c], code: c})
	}
	return d
}

func sizes(name string, weightStep int, labels ...string) dim {
	d := dim{name: name}
	for i, l := range labels {
		d.values = append(d.values, val{label: l, code: strings.ToUpper(strings.TrimSuffix(l, "cm")), weight: i * weightStep})
	}
	return d
}

func shoeSizes(from, to int) dim {
	d := dim{name: "尺码"}
	for s := from; s <= to; s++ {
		d.values = append(d.values, val{label: fmt.Sprint(s), code: fmt.Sprint(s), weight: (s - from) * 15})
	}
	return d
}

func options(name string, vals ...val) dim { return dim{name: name, values: vals} }

var (
	tshirtSizes = sizes("尺码", 15, "S", "M", "L", "XL")
	hoodieSizes = sizes("尺码", 30, "M", "L", "XL", "XXL")
	jeansSizes  = sizes("尺码", 20, "26", "27", "28", "29")
	dressSizes  = sizes("尺码", 20, "S", "M", "L")
	volume      = options("规格", val{"30ml", "30ML", 0, 0}, val{"50ml", "50ML", 8000, 30})
	bedSize     = options("尺寸", val{"1.5m床", "150", 0, 0}, val{"1.8m床", "180", 4000, 300})
	teaSize     = options("规格", val{"100g", "100G", 0, 0}, val{"250g", "250G", 18000, 150})
	beanSize    = options("规格", val{"250g", "250G", 0, 0}, val{"500g", "500G", 4000, 250})
	fruitSize   = options("规格", val{"100g", "100G", 0, 0}, val{"250g", "250G", 2000, 150})
	phoneModel  = options("型号", val{"iPhone 16", "I16", 0, 0}, val{"iPhone 16 Pro", "I16P", 0, 5}, val{"Mate 70", "M70", 0, 5})
	cableLength = options("长度", val{"1m", "1M", 0, 0}, val{"2m", "2M", 1000, 25})
	boxSize     = options("尺寸", val{"小号", "S", 0, 0}, val{"中号", "M", 1000, 300}, val{"大号", "L", 2000, 600})
	babySizes   = sizes("尺码", 10, "66cm", "73cm", "80cm")
	diaperSizes = sizes("尺码", 60, "S", "M", "L", "XL")
	nutTaste    = options("口味", val{"原味", "ORI", 0, 0}, val{"海盐", "SEA", 0, 0}, val{"蜂蜜", "HNY", 500, 0})
	biscuitTast = options("口味", val{"原味", "ORI", 0, 0}, val{"黑芝麻", "SES", 0, 0}, val{"海苔", "NOR", 0, 0})
	coffeeTaste = options("口味", val{"美式", "AME", 0, 0}, val{"拿铁", "LAT", 1000, 20})
	bottleSize  = options("容量", val{"160ml", "160", 0, 0}, val{"240ml", "240", 1000, 30})
	wipesPack   = options("规格", val{"80抽×3包", "3P", 0, 0}, val{"80抽×10包", "10P", 3000, 1400})
	pillowType  = options("规格", val{"标准款", "STD", 0, 0}, val{"加高款", "HI", 3000, 200})
)

var lines = []line{
	{"YS-TS", "山野集", "服装/男装/T恤", "男士纯棉圆领短袖T恤", "精梳新疆长绒棉，领口双针加固不易变形。{note}30℃以下机洗，不可漂白。",
		5990, 31, 220, []dim{colors("WHT", "BLK", "NVY"), tshirtSizes}, []model{
			{"基础款", "常规版型，180g 面料，四季可穿。", 0, nil},
			{"重磅款", "260g 重磅面料，挺括不透。", 2000, nil},
			{"宽松落肩款", "落肩宽松版型，建议拍小一码。", 1000, nil}}},
	{"YS-HD", "山野集", "服装/男装/卫衣", "男士加绒连帽卫衣", "320g 毛圈加绒面料，罗纹袖口不松垮。{note}建议反面洗涤。",
		19900, 33, 650, []dim{colors("GRY", "BLK", "OAT"), hoodieSizes}, []model{
			{"经典套头款", "袋鼠兜设计，帽绳可调。", 0, nil},
			{"拉链开衫款", "YKK 拉链，开合顺滑。", 3000, nil}}},
	{"MY-JN", "棉语", "服装/女装/牛仔裤", "女士高腰直筒牛仔裤", "98%棉 2%氨纶，微弹不紧绷。{note}首次洗涤可能轻微掉色，请单独清洗。",
		16900, 30, 520, []dim{colors("LBL", "DBL"), jeansSizes}, []model{
			{"九分款", "九分长度，露出脚踝更显高。", 0, nil},
			{"长款", "加长裤脚，适合 165cm 以上。", 1000, nil},
			{"微喇款", "小喇叭裤脚，修饰腿型。", 2000, nil}}},
	{"MY-DR", "棉语", "服装/女装/连衣裙", "法式碎花雪纺连衣裙", "双层雪纺带内衬，不透不闷。{note}建议手洗或洗衣袋轻柔洗。",
		25900, 30, 380, []dim{colors("BEI", "NVY"), dressSizes}, []model{
			{"短袖款", "泡泡短袖，收腰设计。", 0, nil},
			{"长袖款", "灯笼长袖，春秋可穿。", 2000, nil},
			{"吊带款", "可调节肩带，度假首选。", -3000, nil}}},
	{"QY-RN", "轻氧", "鞋/运动鞋", "轻便透气缓震跑步鞋", "一体飞织鞋面，EVA 缓震中底，防滑橡胶大底。{note}尺码偏小，建议拍大半码。",
		32900, 36, 560, nil, []model{
			{"男款", "宽楦设计，适合日常慢跑。", 0, []dim{colors("BLK", "GRY"), shoeSizes(39, 44)}},
			{"女款", "轻量鞋身，单只约 210g。", -2000, []dim{colors("WHT", "PNK"), shoeSizes(36, 40)}}}},
	{"QY-CV", "轻氧", "鞋/帆布鞋", "经典低帮帆布鞋", "12 安帆布鞋面，硫化橡胶底，男女同款。{note}",
		12900, 30, 600, []dim{colors("WHT", "BLK"), shoeSizes(36, 44)}, []model{
			{"百搭款", "内增高 2cm，久走不累。", 0, nil}}},
	{"LX-SR", "露溪", "美妆护肤/精华", "玻尿酸保湿精华液", "多分子玻尿酸，质地清润好吸收。{note}敏感肌请先于耳后试用。",
		19900, 22, 120, []dim{volume}, []model{
			{"补水款", "适合干皮和混干皮。", 0, nil},
			{"修护款", "添加积雪草，舒缓泛红。", 2000, nil},
			{"亮肤款", "含烟酰胺，提亮暗沉。", 3000, nil},
			{"抗初老款", "含胜肽，淡化细纹。", 6000, nil}}},
	{"LX-CR", "露溪", "美妆护肤/面霜", "神经酰胺修护面霜", "三重神经酰胺，修护屏障。{note}早晚洁面后取适量涂抹。",
		22900, 22, 150, []dim{volume}, []model{
			{"清爽型", "油皮夏季可用。", 0, nil},
			{"滋润型", "干皮秋冬之选。", 0, nil},
			{"晚安型", "睡前厚涂，次日透亮。", 3000, nil}}},
	{"SY-SS", "素研", "美妆护肤/防晒", "轻薄户外防晒乳 SPF50+", "PA++++ 高倍防护，防水防汗。{note}出门前 15 分钟涂抹。",
		12900, 25, 90, []dim{volume}, []model{
			{"清透款", "无色不假白，适合通勤。", 0, nil},
			{"户外款", "耐汗配方，适合运动。", 2000, nil}}},
	{"GW-NT", "果味仓", "食品/零食/坚果", "每日坚果混合装", "巴旦木、腰果、核桃仁、蓝莓干科学配比，独立小包装。{note}保质期 180 天。",
		6990, 45, 550, []dim{nutTaste}, []model{
			{"家庭装 30包", "一月量，每日一包。", 0, nil},
			{"儿童款 30包", "去除大颗坚果，少盐。", 1000, nil},
			{"高蛋白款 30包", "加量南瓜子仁。", 2000, nil}}},
	{"GW-CK", "果味仓", "食品/零食/饼干", "全麦粗粮饼干", "全麦粉含量 51%，0 反式脂肪。{note}开袋后请密封保存。",
		3990, 40, 480, []dim{biscuitTast}, []model{
			{"无蔗糖款", "使用赤藓糖醇代糖。", 0, nil},
			{"燕麦款", "加入整粒燕麦，口感酥脆。", 0, nil},
			{"礼盒装", "六盒装，适合送礼。", 6000, nil}}},
	{"GW-DF", "果味仓", "食品/零食/果干", "冻干水果脆片", "FD 真空冻干，无添加蔗糖。{note}",
		2990, 42, 140, []dim{fruitSize}, []model{
			{"草莓脆", "整颗草莓冻干。", 0, nil},
			{"芒果脆", "海南贵妃芒。", 0, nil}}},
	{"CX-GT", "茶溪", "食品/茶叶/绿茶", "明前龙井绿茶", "杭州西湖产区明前采摘，手工炒制。{note}建议 80℃ 水冲泡。",
		26800, 38, 220, []dim{teaSize}, []model{
			{"特级", "一芽一叶，豆香明显。", 12000, nil},
			{"一级", "口粮茶首选。", 0, nil}}},
	{"CX-BT", "茶溪", "食品/茶叶/红茶", "正山小种红茶", "武夷山桐木关产区，松烟香浓郁。{note}沸水冲泡，可续 6 泡。",
		15800, 38, 220, []dim{teaSize}, []model{
			{"烟熏款", "传统松烟熏制。", 0, nil},
			{"无烟款", "花果香更突出。", 2000, nil}}},
	{"DY-CF", "豆屿", "食品/咖啡/咖啡豆", "云南小粒咖啡豆", "保山高海拔产区阿拉比卡，下单后 7 天内烘焙发货。{note}",
		8800, 36, 300, []dim{beanSize}, []model{
			{"中烘", "坚果巧克力风味，适合意式。", 0, nil},
			{"深烘", "焦糖苦甜，适合加奶。", 0, nil},
			{"浅烘", "柑橘花香，适合手冲。", 1000, nil}}},
	{"DY-DC", "豆屿", "食品/咖啡/速溶", "冻干速溶咖啡粉 24颗", "-18℃ 冻干工艺，冷水 3 秒即溶。{note}",
		5990, 35, 160, []dim{coffeeTaste}, []model{
			{"经典款", "每颗 2g，约 1 杯量。", 0, nil},
			{"风味款", "焦糖、椰香多口味混装。", 1000, nil}}},
	{"JM-BD", "简木", "家居/床品/四件套", "水洗棉床上四件套", "水洗工艺全棉面料，越洗越软。{note}含被套、床单、枕套×2。",
		29900, 33, 2100, []dim{colors("GRY", "BEI", "GRN"), bedSize}, []model{
			{"纯色款", "北欧简约纯色。", 0, nil},
			{"格纹款", "色织小格纹。", 2000, nil},
			{"条纹款", "日式细条纹。", 2000, nil}}},
	{"JM-TW", "简木", "家居/毛巾浴巾", "新疆长绒棉毛巾", "A 类标准，婴幼儿可用，吸水不掉毛。{note}",
		3990, 35, 180, []dim{colors("WHT", "GRY", "BLU", "PNK")}, []model{
			{"面巾 2条装", "34×76cm。", 0, nil},
			{"浴巾", "70×140cm，裹身更舒适。", 4000, nil}}},
	{"JM-BX", "简木", "家居/收纳", "可折叠布艺收纳箱", "加厚牛津布，可折叠收纳。{note}",
		3990, 35, 700, []dim{colors("BEI", "GRY"), boxSize}, []model{
			{"衣物款", "带透明视窗，一眼找衣。", 0, nil},
			{"玩具款", "带手提把，儿童房可用。", 1000, nil}}},
	{"JM-PL", "简木", "家居/床品/枕头", "慢回弹记忆棉枕头", "慢回弹记忆棉，贴合颈椎曲线。{note}枕套可拆洗。",
		9900, 35, 1300, []dim{pillowType}, []model{
			{"波浪款", "高低两面可选。", 0, nil},
			{"面包款", "经典面包造型。", -1000, nil}}},
	{"SK-CS", "数空", "数码配件/手机壳", "磁吸防摔手机壳", "支持 MagSafe 磁吸充电，四角气囊防摔。{note}",
		7900, 20, 60, []dim{colors("BLK", "BLU"), phoneModel}, []model{
			{"透明款", "不发黄 TPU 边框。", 0, nil},
			{"磨砂款", "肤感磨砂，不留指纹。", 0, nil},
			{"素皮款", "环保素皮，手感温润。", 2000, nil}}},
	{"SK-CB", "数空", "数码配件/数据线", "USB-C快充编织数据线", "支持 PD 100W，编织线身耐弯折 20000 次。{note}",
		4900, 18, 70, []dim{colors("WHT", "BLK"), cableLength}, []model{
			{"双C款", "C to C，笔记本手机通用。", 0, nil},
			{"苹果款", "C to Lightning，MFi 认证。", 1000, nil}}},
	{"SK-CH", "数空", "数码配件/充电器", "氮化镓快充充电器", "GaN 氮化镓，体积小发热低。{note}附赠 1m 数据线。",
		9900, 30, 150, []dim{colors("WHT", "BLK")}, []model{
			{"20W 单口", "iPhone 30 分钟充至 50%。", 0, nil},
			{"65W 三口", "笔记本、平板、手机同时充。", 10000, nil}}},
	{"SK-PB", "数空", "数码配件/充电宝", "磁吸无线充电宝 10000mAh", "磁吸无线 15W 快充，可上飞机。{note}",
		14900, 35, 230, []dim{colors("WHT", "BLU", "PNK")}, []model{
			{"支架款", "自带折叠支架。", 0, nil}}},
	{"BB-BT", "贝贝乐", "母婴/喂养/奶瓶", "宽口径玻璃奶瓶", "高硼硅玻璃，耐高温可消毒。{note}附 S 号奶嘴。",
		8900, 28, 200, []dim{bottleSize}, []model{
			{"防胀气款", "底部排气阀，减少吐奶。", 0, nil},
			{"握把款", "可拆卸握把，宝宝自己拿。", 2000, nil}}},
	{"BB-RP", "贝贝乐", "母婴/童装/连体衣", "纯棉婴儿连体衣", "A 类纯棉，无荧光剂，全开襟好穿脱。{note}",
		9900, 30, 150, []dim{colors("CRM", "GRN"), babySizes}, []model{
			{"长袖款", "春秋四季可穿。", 0, nil},
			{"短袖款", "夏季透气。", -2000, nil},
			{"夹棉款", "冬季保暖。", 4000, nil}}},
	{"BB-DP", "贝贝乐", "母婴/尿裤湿巾/纸尿裤", "超薄透气婴儿纸尿裤", "0.1cm 超薄芯体，3D 立体护围防侧漏。{note}",
		12900, 45, 1500, []dim{diaperSizes}, []model{
			{"日用款", "大吸量，白天活动更自在。", 0, nil},
			{"夜用款", "12 小时干爽，一夜好眠。", 2000, nil}}},
	{"BB-WP", "贝贝乐", "母婴/尿裤湿巾/湿巾", "婴儿手口湿巾", "EDI 纯水，不含酒精香精。{note}",
		2990, 40, 600, []dim{wipesPack}, []model{
			{"加厚款", "80g 加厚无纺布。", 0, nil}}},
}

// brandCodes are made-up GS1 company numbers: "6975" + brand + 5-digit item.
var brandCodes = map[string]int{"山野集": 101, "棉语": 102, "轻氧": 103, "露溪": 104, "素研": 105, "果味仓": 106,
	"茶溪": 107, "豆屿": 108, "简木": 109, "数空": 110, "贝贝乐": 111}

func build() []domain.Product {
	var products []domain.Product
	items := map[string]int{}
	for _, l := range lines {
		for i, m := range l.models {
			code := fmt.Sprintf("%s-%03d", l.prefix, i+1)
			p := domain.Product{
				Code: code, Brand: l.brand, Category: l.category,
				Title:       l.brand + " " + l.noun + " " + m.label,
				Description: strings.TrimSpace(l.brand + l.noun + "。" + strings.Replace(l.desc, "{note}", m.note, 1)),
			}
			for k := 1; k <= 3; k++ {
				p.Images = append(p.Images, fmt.Sprintf("https://img.example.com/%s/%d.jpg", strings.ToLower(code), k))
			}
			dims := l.dims
			if m.dims != nil {
				dims = m.dims
			}
			for _, combo := range combinations(dims) {
				s := domain.SKU{Code: code, WeightG: l.weight, ListPrice: l.price + m.price}
				for _, v := range combo {
					s.Specs = append(s.Specs, domain.SpecValue{Name: v.dim, Value: v.label})
					s.Code += "-" + v.code
					s.ListPrice += v.price
					s.WeightG += v.weight
				}
				s.Cost = s.ListPrice * domain.Money(l.costPct) / 100 / 10 * 10 // whole jiao
				items[l.brand]++
				first12 := fmt.Sprintf("6975%03d%05d", brandCodes[l.brand], items[l.brand])
				s.Barcode = first12 + string(catalog.EAN13CheckDigit(first12))
				s.Stock = stock(s.Code)
				p.SKUs = append(p.SKUs, s)
			}
			products = append(products, p)
		}
	}
	return products
}

type chosen struct {
	val
	dim string
}

// combinations is the cartesian product of dims, first dim slowest.
func combinations(dims []dim) [][]chosen {
	out := [][]chosen{{}}
	for _, d := range dims {
		var next [][]chosen
		for _, c := range out {
			for _, v := range d.values {
				next = append(next, append(append([]chosen(nil), c...), chosen{v, d.name}))
			}
		}
		out = next
	}
	return out
}

// stock spreads SKUs over 0–500 from a hash of the code: about 1 in 20 sold
// out, 1 in 12 running low (under 20), the rest 20–500.
func stock(code string) int {
	h := fnv.New32a()
	h.Write([]byte(code))
	n := int(h.Sum32())
	switch r := n % 100; {
	case r < 5:
		return 0
	case r < 13:
		return 3 + n/100%17
	default:
		return 20 + n/100%481
	}
}

// render checks the catalog and returns the file contents by name.
func render() (map[string][]byte, error) {
	products := build()
	for _, p := range products {
		if n := utf8.RuneCountInString(p.Title); n < 5 || n > 30 {
			return nil, fmt.Errorf("%s: title %q is %d runes; Tmall takes 5–30", p.Code, p.Title, n)
		}
		if errs := catalog.Validate(p); len(errs) > 0 {
			return nil, fmt.Errorf("%s: %v", p.Code, errs)
		}
	}
	files := map[string][]byte{}
	for _, f := range []catalog.Format{catalog.FormatJSON, catalog.FormatCSV} {
		var b bytes.Buffer
		if err := catalog.Export(&b, products, f); err != nil {
			return nil, err
		}
		files["catalog."+string(f)] = b.Bytes()
	}
	return files, nil
}

func main() {
	dir := filepath.Join("catalog", "sample")
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	files, err := render()
	if err != nil {
		log.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	products := build()
	skus := 0
	for _, p := range products {
		skus += len(p.SKUs)
	}
	fmt.Printf("wrote %d products, %d SKUs to %s\n", len(products), skus, dir)
}
