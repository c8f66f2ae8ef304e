import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.rest.RESTCatalog;

/**
 * Reads a table with the Iceberg Java reference implementation's generic reader (iceberg-data), which
 * applies position and equality deletes as the spec says: the independent reader Floe's tests compare
 * against. Arguments: catalog properties as key=value, then the namespace, the table, snapshot ids
 * (comma-separated) and the columns to print. Prints, per snapshot, a line "# <id>" and then one line
 * per row, the columns' values tab-separated.
 */
public class ReadTable {
  public static void main(String[] args) throws Exception {
    Map<String, String> props = new HashMap<>();
    int at = 0;
    while (at < args.length && args[at].contains("=")) {
      String[] kv = args[at++].split("=", 2);
      props.put(kv[0], kv[1]);
    }
    String namespace = args[at++];
    String name = args[at++];
    String[] snapshots = args[at++].split(",");
    String[] columns = java.util.Arrays.copyOfRange(args, at, args.length);
    try (RESTCatalog catalog = new RESTCatalog()) {
      catalog.initialize("floe", props);
      Table table = catalog.loadTable(TableIdentifier.of(Namespace.of(namespace.split("\\.")), name));
      StringBuilder out = new StringBuilder();
      for (String snapshot : snapshots) {
        out.append("# ").append(snapshot).append('\n');
        IcebergGenerics.ScanBuilder scan =
            IcebergGenerics.read(table).select(columns).useSnapshot(Long.parseLong(snapshot));
        try (CloseableIterable<Record> rows = scan.build()) {
          for (Record row : rows) {
            for (int i = 0; i < columns.length; i += 1) {
              if (i > 0) out.append('\t');
              out.append(row.getField(columns[i]));
            }
            out.append('\n');
          }
        }
      }
      System.out.print(out);
    }
  }
}
