package catalog

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/syncctl/syncctl/domain"
)

// GenerateOptions size a synthetic catalog (Generate).
type GenerateOptions struct {
	SPUs       int    // products
	SKUsPerSPU int    // SKUs of each product, 1 to MaxSKUs
	Seed       uint64 // the same seed writes the same catalog, byte for byte
	// Prefix starts every SPU code (default "GEN"): two catalogs with
	// different prefixes import side by side.
	Prefix string
}

// MaxGeneratedTitle is the longest title Generate writes, in characters:
// Tmall's 30 characters / 60 GBK bytes, the strictest channel's, so a
// generated catalog pushes to every sandbox without a rejected title.
const MaxGeneratedTitle = 30

func (o GenerateOptions) check() error {
	switch {
	case o.SPUs < 1:
		return fmt.Errorf("generate: SPUs must be 1 or more, not %d", o.SPUs)
	case o.SKUsPerSPU < 1 || o.SKUsPerSPU > MaxSKUs:
		return fmt.Errorf("generate: SKUs per SPU must be 1 to %d, not %d", MaxSKUs, o.SKUsPerSPU)
	case o.SPUs > 99_999_999:
		return fmt.Errorf("generate: at most 99 999 999 SPUs, not %d", o.SPUs)
	case validCode(o.prefix()+"-XX-00000001-"+strings.Repeat("Z", 12)) != "":
		return fmt.Errorf("generate: prefix %q makes invalid codes (A-Z a-z 0-9 _ . - only, short)", o.Prefix)
	}
	return nil
}

func (o GenerateOptions) prefix() string {
	if o.Prefix == "" {
		return "GEN"
	}
	return o.Prefix
}

// Generate writes a synthetic catalog in the import format, a product at a
// time, so memory stays constant whatever its size. The products look like
// a Chinese brand's range (apparel, shoes, skincare, food, home, phone
// accessories, baby goods): titles within every channel's limit, 颜色/尺码
// specs (the sale properties every platform knows), prices in yuan with
// two decimals and cost below price, stock (about 1 in 20 sold out), EAN-13
// barcodes and 3–5 images. Every product passes Validate, and the file
// imports with no rejected row.
func Generate(w io.Writer, format Format, o GenerateOptions) error {
	if err := o.check(); err != nil {
		return err
	}
	e, err := NewExporter(w, format)
	if err != nil {
		return err
	}
	for i := range o.SPUs {
		if err := e.Write(GenerateProduct(o, i)); err != nil {
			return err
		}
	}
	return e.Close()
}

// GenerateProduct is the i-th product (from 0) of the catalog Generate
// writes with these options: each product depends only on the seed and its
// index, so a part of a catalog can be made without the rest.
func GenerateProduct(o GenerateOptions, i int) domain.Product {
	rng := rand.New(rand.NewPCG(o.Seed, uint64(i)))
	l := genLines[rng.IntN(len(genLines))]
	brand := l.brands[rng.IntN(len(l.brands))]
	code := fmt.Sprintf("%s-%s-%08d", o.prefix(), l.code, i+1)
	title := genTitle(brand, pick(rng, genHooks), l.nouns[rng.IntN(len(l.nouns))], pick(rng, l.styles))
	p := domain.Product{
		Code: code, Title: title, Brand: brand, Category: l.category,
		Description: brand + "出品。" + l.desc + pick(rng, genCare),
	}
	for k := range 3 + rng.IntN(3) {
		p.Images = append(p.Images, fmt.Sprintf("https://img.example.com/%s/%s/%d.jpg", strings.ToLower(o.prefix()), strings.ToLower(code), k+1))
	}
	// Colours × sizes, as few colours as the sizes allow: 3 SKUs of a
	// T-shirt are one colour in S, M, L; 12 are three colours in four sizes.
	sizes := l.sizes
	colours := min(o.SKUsPerSPU, len(genColours))
	if n := (o.SKUsPerSPU + len(sizes) - 1) / len(sizes); n < colours {
		colours = n
	}
	perColour := (o.SKUsPerSPU + colours - 1) / colours
	sizes = extendSizes(sizes, perColour)
	palette := rng.Perm(len(genColours))[:colours]
	base := domain.Money(l.priceFrom+rng.IntN(l.priceTo-l.priceFrom+1))*100 - 10 // 59.90, 129.90 …
	costPct := l.costPct + rng.IntN(11) - 5
	for n := range o.SKUsPerSPU {
		c, s := genColours[palette[n/perColour]], n%perColour
		k := domain.SKU{
			Code:    fmt.Sprintf("%s-%s-%s", code, c.code, sizes[s].code),
			Specs:   []domain.SpecValue{{Name: "颜色", Value: c.name}, {Name: "尺码", Value: sizes[s].name}},
			WeightG: l.weight + s*l.weightStep,
			// Bigger sizes cost a little more, as shops price them.
			ListPrice: base + domain.Money(s/2*1000),
		}
		k.Cost = k.ListPrice * domain.Money(costPct) / 100 // whole fen, below the price
		if rng.IntN(20) == 0 {
			k.Stock = 0 // sold out
		} else {
			k.Stock = 5 + rng.IntN(996)
		}
		first12 := fmt.Sprintf("69%010d", (uint64(i)*MaxSKUs+uint64(n)+o.Seed*7919)%10_000_000_000)
		k.Barcode = first12 + string(EAN13CheckDigit(first12))
		p.SKUs = append(p.SKUs, k)
	}
	return p
}

// genTitle joins the parts, dropping the hook and then the style when the
// title would be longer than MaxGeneratedTitle characters.
func genTitle(brand, hook, noun, style string) string {
	for _, t := range []string{
		brand + " " + hook + noun + " " + style,
		brand + " " + noun + " " + style,
		brand + " " + noun,
	} {
		if utf8.RuneCountInString(t) <= MaxGeneratedTitle {
			return t
		}
	}
	return string([]rune(brand + noun)[:MaxGeneratedTitle])
}

func pick(rng *rand.Rand, from []string) string { return from[rng.IntN(len(from))] }

// extendSizes returns n sizes: the line's, then numbered custom sizes.
func extendSizes(sizes []genValue, n int) []genValue {
	if n <= len(sizes) {
		return sizes[:n]
	}
	out := append([]genValue(nil), sizes...)
	for k := len(sizes); k < n; k++ {
		out = append(out, genValue{fmt.Sprintf("定制%d号", k-len(sizes)+1), fmt.Sprintf("C%d", k-len(sizes)+1)})
	}
	return out
}

type genValue struct{ name, code string }

// genLine is a family of products: its category, nouns and sizes, and
// the range of its list prices in whole yuan.
type genLine struct {
	code, category, desc string
	brands, nouns        []string
	styles               []string
	sizes                []genValue
	priceFrom, priceTo   int // yuan
	costPct              int // cost as a percentage of the list price (±5)
	weight, weightStep   int // grams
}

func sizeList(codes ...string) []genValue {
	out := make([]genValue, len(codes))
	for i, c := range codes {
		out[i] = genValue{c, strings.NewReplacer(".", "P", "*", "X").Replace(strings.ToUpper(strings.TrimSuffix(strings.TrimSuffix(c, "cm"), "ml")))}
	}
	return out
}

func named(pairs ...string) []genValue {
	out := make([]genValue, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, genValue{pairs[i], pairs[i+1]})
	}
	return out
}

var (
	genHooks = []string{"2025新款", "新品", "经典款", "爆款", "官方正品", "热卖", "升级款", "品牌直营"}
	genCare  = []string{"七天无理由退换。", "顺丰包邮，48小时内发货。", "假一赔十，官方授权。", "支持以旧换新。", "全国联保，一年质保。"}
	// genColours are colour names buyers see on Tmall and JD, with the
	// codes SKU codes take.
	genColours = named("白色", "WHT", "黑色", "BLK", "深灰", "GRY", "藏青", "NVY", "雾霾蓝", "BLU", "燕麦色", "OAT",
		"浅蓝", "LBL", "深蓝", "DBL", "樱花粉", "PNK", "松石绿", "GRN", "卡其", "KHK", "米白", "BEI",
		"奶油黄", "CRM", "中国红", "RED", "酒红", "WIN", "军绿", "ARM", "咖啡色", "BRN", "香芋紫", "PUR",
		"橘色", "ORG", "天蓝", "SKY", "银色", "SLV", "香槟金", "GLD", "薄荷绿", "MNT", "焦糖色", "CAR")
	apparelSizes = sizeList("S", "M", "L", "XL", "XXL", "3XL", "4XL")
	genLines     = []genLine{
		{"TS", "服装/男装/T恤", "精梳长绒棉，领口双针加固不易变形。", []string{"山野集", "素衣坊", "北纬30度"},
			[]string{"纯棉圆领短袖T恤", "重磅纯棉短袖", "宽松落肩T恤", "冰丝速干T恤"}, []string{"男士", "情侣款", "基础款", "印花款"},
			apparelSizes, 39, 129, 30, 220, 15},
		{"HD", "服装/男装/卫衣", "320g 毛圈加绒面料，罗纹袖口不松垮。", []string{"山野集", "北纬30度", "城市漫步"},
			[]string{"加绒连帽卫衣", "圆领套头卫衣", "拉链开衫卫衣"}, []string{"男士", "宽松", "情侣款"},
			apparelSizes, 129, 299, 33, 600, 30},
		{"JN", "服装/女装/牛仔裤", "98%棉 2%氨纶，微弹不紧绷。", []string{"棉语", "素衣坊"},
			[]string{"高腰直筒牛仔裤", "阔腿牛仔裤", "小脚牛仔裤", "微喇牛仔裤"}, []string{"女士", "显瘦", "九分", "长款"},
			sizeList("25", "26", "27", "28", "29", "30", "31", "32"), 119, 259, 30, 520, 20},
		{"DR", "服装/女装/连衣裙", "双层雪纺带内衬，不透不闷。", []string{"棉语", "花间集"},
			[]string{"法式碎花连衣裙", "收腰衬衫裙", "针织长裙", "吊带连衣裙"}, []string{"女士", "气质", "度假风", "通勤"},
			sizeList("XS", "S", "M", "L", "XL"), 159, 399, 30, 380, 20},
		{"RN", "鞋/运动鞋", "一体飞织鞋面，EVA 缓震中底，防滑橡胶大底。", []string{"轻氧", "步云"},
			[]string{"透气缓震跑步鞋", "轻便休闲运动鞋", "防滑徒步鞋", "板鞋"}, []string{"男款", "女款", "情侣款"},
			sizeList("36", "37", "38", "39", "40", "41", "42", "43", "44", "45"), 199, 499, 36, 560, 15},
		{"SR", "美妆护肤/精华", "质地清润好吸收，敏感肌请先于耳后试用。", []string{"露溪", "素研", "花漾"},
			[]string{"玻尿酸保湿精华液", "烟酰胺亮肤精华", "修护精华乳", "胜肽紧致精华"}, []string{"补水", "修护", "提亮"},
			sizeList("15ml", "30ml", "50ml", "100ml"), 99, 499, 22, 120, 30},
		{"CR", "美妆护肤/面霜", "三重神经酰胺，修护屏障。", []string{"露溪", "花漾"},
			[]string{"神经酰胺修护面霜", "保湿乳液", "清爽控油面霜"}, []string{"清爽型", "滋润型", "晚安型"},
			sizeList("30ml", "50ml", "80ml"), 129, 399, 22, 150, 30},
		{"NT", "食品/零食/坚果", "独立小包装，保质期 180 天。", []string{"果味仓", "山里红"},
			[]string{"每日坚果混合装", "盐焗腰果", "碧根果", "夏威夷果"}, []string{"家庭装", "礼盒装", "儿童款"},
			sizeList("250g", "500g", "750g", "1kg"), 29, 129, 45, 550, 250},
		{"TE", "食品/茶叶/绿茶", "明前采摘，手工炒制，建议 80℃ 水冲泡。", []string{"茶溪", "云上茶"},
			[]string{"明前龙井绿茶", "碧螺春", "黄山毛峰", "正山小种红茶"}, []string{"特级", "一级", "礼盒装"},
			sizeList("100g", "250g", "500g"), 88, 599, 38, 220, 150},
		{"CF", "食品/咖啡/咖啡豆", "高海拔阿拉比卡，下单后 7 天内烘焙发货。", []string{"豆屿", "晨光"},
			[]string{"云南小粒咖啡豆", "意式拼配咖啡豆", "冻干速溶咖啡"}, []string{"中烘", "深烘", "浅烘"},
			sizeList("250g", "500g", "1kg"), 49, 199, 36, 300, 250},
		{"BD", "家居/床品/四件套", "水洗工艺全棉面料，越洗越软。", []string{"简木", "眠之家"},
			[]string{"水洗棉四件套", "纯棉床上四件套", "天丝床品套件"}, []string{"纯色", "格纹", "条纹"},
			sizeList("1.2m", "1.5m", "1.8m", "2.0m"), 199, 699, 33, 2100, 150},
		{"TW", "家居/毛巾浴巾", "A 类标准，婴幼儿可用，吸水不掉毛。", []string{"简木", "洁柔家"},
			[]string{"长绒棉毛巾", "纯棉浴巾", "珊瑚绒浴袍"}, []string{"2条装", "加厚", "酒店款"},
			sizeList("34*76cm", "70*140cm", "90*180cm"), 29, 159, 35, 180, 150},
		{"CS", "数码配件/手机壳", "四角气囊防摔，支持磁吸充电。", []string{"数空", "极客派"},
			[]string{"磁吸防摔手机壳", "透明硅胶手机壳", "磨砂保护壳"}, []string{"透明款", "磨砂款", "皮革款"},
			named("iPhone 16", "I16", "iPhone 16 Pro", "I16P", "iPhone 16 Pro Max", "I16PM", "Mate 70", "M70", "小米15", "MI15", "OPPO Find X8", "FX8"),
			29, 99, 20, 60, 5},
		{"CB", "数码配件/数据线", "编织线身，弯折万次不断。", []string{"数空", "极客派"},
			[]string{"快充数据线", "三合一数据线", "磁吸充电线"}, []string{"100W", "编织款", "弯头款"},
			sizeList("0.5m", "1m", "1.5m", "2m"), 19, 79, 25, 60, 20},
		{"BB", "母婴/婴儿服饰", "A 类纯棉，无骨缝制，不磨宝宝皮肤。", []string{"小棉袄", "童趣"},
			[]string{"婴儿连体衣", "宝宝爬服", "纯棉睡袋"}, []string{"新生儿", "四季款", "加厚款"},
			sizeList("59cm", "66cm", "73cm", "80cm", "90cm"), 59, 189, 32, 150, 10},
	}
)
