import Foundation
import Testing

@testable import Vagrantfile

/// Regular expressions as Ruby 3.1 (Vagrant 2.3.4's) gives them, on Swift's `Regex` engine
/// instead of ICU's: each expected line is what `ruby` printed for the same statement.
@Suite struct RegexTests {
    @Test(arguments: [
        (#"puts "deadBEEF-12".scan(/\h+/).inspect"#, #"["deadBEEF", "12"]"#),
        (
            #"m = "web-01.example".match(/(?<role>[a-z]+)-(?<num>\d+)/); puts [m[:role], m["num"], m.pre_match, m.post_match, m.begin(0)].inspect"#,
            #"["web", "01", "", ".example", 0]"#
        ),
        (#"puts "web-01".match(/(?<role>[a-z]+)-(?<num>\d+)/).named_captures.inspect"#, #"{"role"=>"web", "num"=>"01"}"#),
        (#"puts "a1b22c333".gsub(/(\d+)/, '<\1>')"#, "a<1>b<22>c<333>"),
        (#"puts "john smith".sub(/(?<first>\w+) (?<last>\w+)/, '\k<last>, \k<first>')"#, "smith, john"),
        (#"puts "k=v; x=y".scan(/(\w)=(\w)/).inspect"#, #"[["k", "v"], ["x", "y"]]"#),
        (#"puts "abc".split(//).inspect"#, #"["a", "b", "c"]"#),
        (#"puts "héllo wörld".scan(/\w+/).inspect"#, #"["h", "llo", "w", "rld"]"#),
        (#"puts ("été ab" =~ /ab/).inspect"#, "4"),
        (#"puts "A-b".match?(/a \- B/ix).inspect"#, "true"),
        (#"puts Regexp.escape("1.2 (x)*?")"#, #"1\.2\ \(x\)\*\?"#),
        (#"puts "line1\nline2".scan(/^line\d$/).inspect"#, #"["line1", "line2"]"#),
        (#"puts ["a\nb".match?(/a.b/m), "a\nb".match?(/a.b/)].inspect"#, "[true, false]"),
        (#"puts "path/to/file".gsub(/\//, "\\\\").inspect"#, #""path\\to\\file""#),
        (#"puts "aaa".gsub(/a/) { |x| x.upcase }, "a.b".gsub(".") { "-" }"#, "AAA\na-b"),
        (#"puts "v1.2".sub(/v(\d)/) { "V#{$1}" }"#, "V1.2"),
        (#"puts "a,b,,c,,".split(/,/).inspect"#, #"["a", "b", "", "c"]"#),
        (#"puts({a: 1, "b" => 2, 3 => :x}.inspect)"#, #"{:a=>1, "b"=>2, 3=>:x}"#),
        (#"p("box.example.com" =~ /\bexample\b/, "v1.2.3" =~ /\b2\b/)"#, "4\n3"),
        (#"m = "x-12".match(/(\w)-(?<n>\d+)/); p m.to_a, $1"#, #"["x-12", "12"]"# + "\n" + #""12""#),
        (#"p "abc".gsub(/(b)/) { $~.pre_match }"#, #""aac""#),
        (#"puts Time.at(1700000000).utc.strftime("%s %Z")"#, "1700000000 UTC"),
        (
            #"class S; def method_missing(n, *a); n == :box ? "b" : super; end; def respond_to_missing?(n, p = false); n == :box || super; end; end; s = S.new; p s.respond_to?(:box), s.respond_to?(:other), s.box"#,
            "true\nfalse\n\"b\""
        ),
    ])
    func rubysAnswers(_ source: String, _ expected: String) throws {
        let output = try VagrantfileLoader.evaluate(source: source).output
        #expect(output.joined(separator: "\n") == expected, "\(source)")
    }

    @Test func aBadPatternNamesItsLine() throws {
        var message = "no error"
        do {
            _ = try VagrantfileLoader.evaluate(source: "x = 1\nok = \"a\" =~ /(unclosed/\n")
        } catch {
            message = "\(error)"
        }
        #expect(message.contains("Vagrantfile:2"), "\(message)")
    }
}
