// usdtctl calls, threads, objnew and gc for HotSpot: Runtimes.f 7 times, Runtimes.g 3 times,
// three named threads, 13 Blob objects, two System.gc(); prints its record as JSON, with the
// collections the JVM counted.
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

public class Runtimes {
	static class Blob {
		long a, b, c;
	}

	static int f(int x) { return x + 1; }

	static int g(int x) { return x * 2; }

	public static void main(String[] args) throws Exception {
		int s = 0, nf = 0, ng = 0;
		for (int i = 0; i < 7; i++, nf++)
			s += f(i);
		for (int i = 0; i < 3; i++, ng++)
			s += g(i);
		StringBuilder names = new StringBuilder();
		for (int i = 0; i < 3; i++) {
			Thread t = new Thread(() -> {}, "worker-" + i);
			t.start();
			t.join();
			names.append(i > 0 ? "," : "").append("\"").append(t.getName()).append("\"");
		}
		Object[] keep = new Object[13];
		for (int i = 0; i < keep.length; i++)
			keep[i] = new Blob();
		System.gc();
		System.gc();
		long gcs = 0;
		for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans())
			gcs += b.getCollectionCount();
		System.out.println("{\"gcs\":" + gcs + ",\"calls\":{\"Runtimes.f\":" + nf + ",\"Runtimes.g\":" + ng +
				   "},\"threads\":[" + names + "],\"objects\":{\"Runtimes$Blob\":" +
				   keep.length + "},\"sum\":" + s + "}");
	}
}
