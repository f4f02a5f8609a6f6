import Foundation
import Testing

@testable import Vagrantfile

/// The classes and modules real Vagrantfiles and their helper files define: methods, instance
/// variables, `attr_*`, class methods, `class << self`, constants, inheritance with `super`,
/// `include`/`extend`, `module_function`, and errors of their own raised and rescued.
@Suite struct ClassesTests {
    static func output(_ source: String) throws -> String {
        try VagrantfileLoader.evaluate(source: source).output.joined(separator: "\n")
    }

    @Test func classesWithStateInheritanceAndSuper() throws {
        let printed = try Self.output(
            """
            class Box
              attr_reader :name
              attr_accessor :memory
              DEFAULT = 512
              def initialize(name, memory = DEFAULT)
                @name = name
                @memory = memory
              end
              def label
                "#{name}:#{memory}"
              end
              def self.build(*names)
                names.map { |n| new(n) }
              end
              class << self
                def kinds
                  %w[small large]
                end
              end
            end
            class BigBox < Box
              def initialize(name)
                super(name, 2048)
              end
              def label
                "big " + super
              end
            end
            boxes = Box.build("a", "b")
            boxes.first.memory = 1024
            puts boxes.map(&:label).inspect, BigBox.new("z").label, Box.kinds.inspect, Box::DEFAULT
            puts BigBox.new("q").is_a?(Box), BigBox.new("q").respond_to?(:label), Box.new("c").respond_to?(:nope)
            """)
        #expect(printed == "[\"a:1024\", \"b:512\"]\nbig z:2048\n[\"small\", \"large\"]\n512\ntrue\ntrue\nfalse")
    }

    /// `include Helpers` at top level, as helper files are used: the module's methods and
    /// constants are seen from the file and from every object, as Object's.
    @Test func aModuleIncludedAtTopLevel() throws {
        let printed = try Self.output(
            """
            module Provision
              SIZE = 3
              def node_name(role, index)
                "#{role}#{index}-#{SIZE}-#{suffix}"
              end
              def suffix
                "k8s"
              end
            end
            include Provision
            class Cluster
              def first
                node_name("worker", 1)
              end
            end
            puts node_name("master", 0), Cluster.new.first, SIZE
            """)
        #expect(printed == "master0-3-k8s\nworker1-3-k8s\n3")
    }

    @Test func modulesAsNamespacesAndMixins() throws {
        let printed = try Self.output(
            """
            module OS
              def OS.windows?
                (/mswin|mingw/ =~ RUBY_PLATFORM) != nil
              end
              def self.linux?
                !OS.windows?
              end
            end
            module Greeting
              def greet
                "hi #{@who}"
              end
            end
            module Util
              module_function
              def twice(x)
                x * 2
              end
            end
            class Person
              include Greeting
              def initialize(who)
                @who = who
              end
            end
            module Settings
              PORTS = [80, 443]
              class Node
                def ports
                  PORTS
                end
              end
            end
            puts OS.linux?, Person.new("ann").greet, Util.twice(21), Settings::Node.new.ports.inspect, Person.ancestors.include?("Greeting")
            """)
        #expect(printed == "true\nhi ann\n42\n[80, 443]\ntrue")
    }

    @Test func errorsOfTheFilesOwnAreRaisedAndRescued() throws {
        let printed = try Self.output(
            """
            class ConfigError < StandardError
            end
            class MissingKey < ConfigError
              def initialize(key)
                super("missing #{key}")
              end
            end
            begin
              raise MissingKey.new("box")
            rescue ConfigError => e
              puts "#{e.class}: #{e.message} #{e.is_a?(StandardError)}"
            end
            begin
              raise ConfigError, "plain"
            rescue StandardError => e
              puts e.message
            end
            begin
              raise ArgumentError, "builtin"
            rescue ArgumentError => e
              puts e.message
            end
            """)
        #expect(printed == "MissingKey: missing box true\nplain\nbuiltin")
    }

    /// What the review found: cycles, class patterns, qualified rescues, numbers at the edges.
    @Test func edgesStayRubyErrorsNotCrashes() throws {
        let printed = try Self.output(
            """
            module M
            end
            begin
              module M
                include M
              end
            rescue ArgumentError => e
              puts e.message
            end
            module Errors
              class Base < StandardError
              end
              class Missing < Base
              end
            end
            class Web
            end
            begin
              raise Errors::Missing, "gone"
            rescue Errors::Base => e
              puts "rescued #{e.message}"
            end
            kind = case Web.new
                   when Web then "web"
                   else "other"
                   end
            puts kind, rand(-9223372036854775807 - 1) >= 0, rand(0...(-9223372036854775807 - 1)).inspect
            begin
              Time.at(1e300)
            rescue RangeError => e
              puts "range"
            end
            begin
              Web.new.message
            rescue NoMethodError
              puts "no message"
            end
            """)
        #expect(printed == "cyclic include detected\nrescued gone\nweb\ntrue\nnil\nrange\nno message")
    }

    @Test func anUnrescuedErrorOfTheFilesOwnNamesItsLine() throws {
        let error = try #require(throws: VagrantfileError.self) {
            try VagrantfileLoader.evaluate(source: "class Oops < StandardError\nend\nx = 1\nraise Oops, \"it broke\"\n")
        }
        #expect(error.kind == .runtime)
        #expect(error.location?.line == 4)
        #expect(error.message == "it broke")
    }

    /// `value.class` is the class itself, as settings code compares it (`ports.class == Array`).
    @Test func aValuesClassIsTheClassItself() throws {
        let printed = try Self.output(
            """
            class Node; end
            settings = {"ports" => [8080], "name" => "web"}
            puts settings["ports"].class == Array, settings["name"].class == Array, settings.class == Hash
            p settings.class, [1.class, "x".class, nil.class], Node.new.class
            puts "#{settings.class.name} #{1.5.class} #{Node.new.class == Node}"
            """)
        #expect(printed == "true\nfalse\ntrue\nHash\n[Integer, String, NilClass]\nNode\nHash Float true")
    }
}
