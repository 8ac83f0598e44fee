// Signs in to a running connector as an email address and prints an access token, for trying
// the connector from the command line (the demo's local identity provider accepts any address):
//   node scripts/sign-in.mjs http://127.0.0.1:8787 you@example.com
// It registers a client, opens /authorize, approves the consent page and logs in at the
// provider's login form as a browser would, then exchanges the code for tokens.
import { signIn } from "../e2e/lib/sign-in.mjs";

const [base = "http://127.0.0.1:8787", email = "you@example.com"] = process.argv.slice(2);
try {
  const { tokens } = await signIn(base.replace(/\/$/, ""), email);
  console.log(tokens.access_token);
} catch (error) {
  console.error(`sign-in failed: ${error.message}`);
  process.exit(1);
}
