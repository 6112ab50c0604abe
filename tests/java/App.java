// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// follow.bats: the java launcher dlopens libjvm, whose hotspot:class__loaded probes must be
// armed from the first class on.
public class App {
	public static void main(String[] args) {
		System.out.println("loaded " + App.class.getName());
	}
}
