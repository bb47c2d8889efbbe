// Tests for QuantizeConfig: the SmoothQuant option's forms.
import Testing
@testable import Quantize

@Suite struct QuantizeConfigTests {
    @Test func smoothQuantParsesEveryForm() {
        #expect(SmoothQuant("off") == .off)
        #expect(SmoothQuant("0.75") == .alpha(0.75))
        #expect(SmoothQuant("on") == .alpha(0.5))
        #expect(SmoothQuant("bogus") == nil)
    }
}
