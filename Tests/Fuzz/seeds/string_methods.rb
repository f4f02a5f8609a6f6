# String methods without regular expressions.
s = "  Hello, Vagrant World  \n"
t = s.strip
p s.lstrip, s.rstrip, s.chomp, "abc\r\n".chomp, "file.rb".chomp(".rb"), "abc".chop
p t.upcase, t.downcase, t.capitalize, t.swapcase, t.reverse, t.length, t.size, "héllo".bytesize
p t.include?("Vagrant"), t.start_with?("He", "x"), t.end_with?("World"), t.index("o"), t.index("zz")
p t.count("lo"), t.chars.first(3), "ab".bytes, "a\nb\nc".lines, "".empty?, t.empty?
p t.tr("lo", "01"), t.tr("a-y", "b"), t.delete("l"), "aaabbbccc".squeeze, t.center(30, "*")
p t.ljust(28, "."), t.rjust(28), "x".center(4), "7".rjust(3, "0"), t.sub("World", "There")
p t.gsub("o", "0"), t.split(", "), "a b  c".split, "a,b,,".split(","), "abc".split("")
p t[0], t[-1], t[0, 5], t[0..4], t[7...], t["Vagrant"], t["nope"], t.slice(1, 3)
p "ff".hex, "0x1f".hex, "A".ord, 66.chr, "az".succ, "a9".next, "42abc".to_i, "3.5kg".to_f
p "x" * 3, "a" + "b", "ab".concat("cd"), "snake_case".to_sym, "str".intern, "dup".dup
p "abc" <=> "abd", "b" > "a", "a" <= "a", "abc" == "abc", "abc".eql?("abc"), "abc".equal?("abc")
p "Straße".encoding, "x".force_encoding("BINARY"), "é".unicode_normalize, "x".encode("UTF-8"), "x".b
p "line1\nline2".each_line.to_a, "hey".each_char.to_a, +"unfrozen", -"frozen"
buf = ""
buf << "one" << "two"
buf += "three"
buf *= 2
"xyz".each_char { |c| buf << c.upcase }
"l1\nl2\n".each_line { |l| buf << l.chomp }
p buf, buf.frozen?, buf.freeze, String.new("made"), String(12), 12.to_s + "px"
Vagrant.configure("2") { |config| config.vm.hostname = t.downcase.delete(", ").tr(" ", "-") }
