// Command gen writes the sample catalog (catalog.json and catalog.csv in the
// parent directory). It is deterministic: `go run ./catalog/sample/gen`
// rewrites the same files.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
)

type dim struct {
	name   string
	values []string
	codes  []string
}

type line struct {
	prefix, brand, category, noun string
	price, cost                   domain.Money
	weight                        int
	dims                          []dim
	models                        []string // title variants, one SPU each
}

var (
	colors4 = dim{"颜色", []string{"白色", "黑色", "雾霾蓝", "燕麦色"}, []string{"WHT", "BLK", "BLU", "OAT"}}
	colors3 = dim{"颜色", []string{"黑色", "深灰", "藏青"}, []string{"BLK", "GRY", "NVY"}}
	colors2 = dim{"颜色", []string{"奶白", "石墨黑"}, []string{"WHT", "BLK"}}
	sizes   = dim{"尺码", []string{"S", "M", "L", "XL"}, []string{"S", "M", "L", "XL"}}
	sizes3  = dim{"尺码", []string{"M", "L", "XL"}, []string{"M", "L", "XL"}}
	shoes   = dim{"尺码", []string{"38", "39", "40", "41", "42"}, []string{"38", "39", "40", "41", "42"}}
	volume  = dim{"规格", []string{"30ml", "50ml"}, []string{"30", "50"}}
	flavor  = dim{"口味", []string{"原味", "海盐", "黑糖"}, []string{"ORI", "SEA", "BRS"}}
	weightD = dim{"规格", []string{"250g", "500g"}, []string{"250", "500"}}
	size2   = dim{"尺寸", []string{"1.5m床", "1.8m床"}, []string{"15", "18"}}
	model   = dim{"型号", []string{"iPhone 16", "iPhone 16 Pro", "Mate 70"}, []string{"I16", "I16P", "M70"}}
	age     = dim{"适用年龄", []string{"0-6个月", "6-12个月", "1-3岁"}, []string{"06M", "12M", "3Y"}}
)

var lines = []line{
	{"YS-TS", "山野集", "服装/男装/T恤", "纯棉圆领短袖T恤", 5990, 1850, 220, []dim{colors4, sizes}, []string{"基础款", "重磅款", "宽松款"}},
	{"YS-HD", "山野集", "服装/男装/卫衣", "加绒连帽卫衣", 19900, 6200, 650, []dim{colors3, sizes3}, []string{"经典款", "拉链款", "印花款"}},
	{"MY-JN", "棉语", "服装/女装/牛仔裤", "高腰直筒牛仔裤", 16900, 5200, 520, []dim{colors2, sizes}, []string{"九分", "长款", "微喇"}},
	{"MY-DR", "棉语", "服装/女装/连衣裙", "法式碎花连衣裙", 25900, 8100, 380, []dim{colors2, sizes3}, []string{"短袖", "长袖", "吊带"}},
	{"QY-SN", "轻氧", "鞋/运动鞋", "轻便透气跑步鞋", 32900, 11800, 780, []dim{colors2, shoes}, []string{"男款", "女款", "竞速款"}},
	{"QY-CV", "轻氧", "鞋/帆布鞋", "经典低帮帆布鞋", 12900, 3900, 650, []dim{colors2, shoes}, []string{"低帮", "高帮"}},
	{"LX-SR", "露溪", "美妆护肤/精华", "玻尿酸保湿精华液", 19900, 4300, 120, []dim{volume}, []string{"补水", "修护", "亮肤", "抗初老"}},
	{"LX-CR", "露溪", "美妆护肤/面霜", "神经酰胺修护面霜", 22900, 5100, 150, []dim{volume}, []string{"清爽型", "滋润型", "夜间型"}},
	{"GW-NT", "果味仓", "食品/零食/坚果", "每日坚果混合装", 6990, 3100, 550, []dim{flavor}, []string{"家庭装", "孕妇款", "儿童款", "高蛋白"}},
	{"GW-CK", "果味仓", "食品/零食/饼干", "全麦粗粮饼干", 3990, 1300, 480, []dim{flavor}, []string{"无糖", "燕麦", "黑芝麻"}},
	{"CX-TE", "茶溪", "食品/茶叶", "明前龙井绿茶", 26800, 9800, 300, []dim{weightD}, []string{"特级", "一级", "礼盒"}},
	{"CX-CF", "茶溪", "食品/咖啡", "云南小粒咖啡豆", 8800, 3200, 520, []dim{weightD}, []string{"中烘", "深烘", "浅烘"}},
	{"JM-BD", "简木", "家居/床品", "水洗棉四件套", 29900, 9800, 2100, []dim{colors3, size2}, []string{"纯色", "格纹", "条纹"}},
	{"JM-TW", "简木", "家居/毛巾", "新疆长绒棉毛巾", 3990, 1100, 180, []dim{colors4}, []string{"面巾", "浴巾", "方巾"}},
	{"SK-CS", "数空", "数码配件/手机壳", "磁吸防摔手机壳", 7900, 1500, 60, []dim{colors2, model}, []string{"透明款", "磨砂款", "皮革款"}},
	{"SK-CB", "数空", "数码配件/数据线", "快充编织数据线", 4900, 900, 70, []dim{colors2}, []string{"1米", "2米"}},
	{"BB-BT", "贝贝乐", "母婴/奶瓶", "宽口径玻璃奶瓶", 8900, 2500, 200, []dim{age}, []string{"160ml", "240ml"}},
	{"BB-RP", "贝贝乐", "母婴/爬服", "纯棉婴儿连体衣", 9900, 2900, 150, []dim{colors2, age}, []string{"长袖", "短袖", "夹棉"}},
}

func main() {
	var products []domain.Product
	ean := 0
	for _, l := range lines {
		for i, m := range l.models {
			code := fmt.Sprintf("%s-%03d", l.prefix, i+1)
			p := domain.Product{
				Code: code, Brand: l.brand, Category: l.category,
				Title:       l.brand + l.noun + " " + m,
				Description: fmt.Sprintf("%s%s，%s。品牌直供，七天无理由退换。", l.brand, l.noun, m),
			}
			for k := 1; k <= 3; k++ {
				p.Images = append(p.Images, fmt.Sprintf("https://img.example.com/%s/%d.jpg", strings.ToLower(code), k))
			}
			combos := [][]int{{}}
			for _, d := range l.dims {
				var next [][]int
				for _, c := range combos {
					for v := range d.values {
						next = append(next, append(append([]int(nil), c...), v))
					}
				}
				combos = next
			}
			for ci, c := range combos {
				s := domain.SKU{Code: code, WeightG: l.weight, Cost: l.cost, ListPrice: l.price + domain.Money(i*1000)}
				for di, v := range c {
					d := l.dims[di]
					s.Specs = append(s.Specs, domain.SpecValue{Name: d.name, Value: d.values[v]})
					s.Code += "-" + d.codes[v]
				}
				ean++
				first12 := fmt.Sprintf("69%010d", 3140000000+ean)
				s.Barcode = first12 + string(catalog.EAN13CheckDigit(first12))
				// Stock 0..480, mostly above 20; a few sold out.
				s.Stock = (ean*37 + ci*11) % 481
				if s.Stock > 0 && s.Stock < 20 {
					s.Stock += 40
				}
				p.SKUs = append(p.SKUs, s)
			}
			products = append(products, p)
		}
	}
	dir := "catalog/sample"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	for _, f := range []catalog.Format{catalog.FormatJSON, catalog.FormatCSV} {
		var b bytes.Buffer
		if err := catalog.Export(&b, products, f); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "catalog."+string(f)), b.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	skus := 0
	for _, p := range products {
		skus += len(p.SKUs)
	}
	fmt.Printf("wrote %d products, %d SKUs to %s\n", len(products), skus, dir)
}
