import { DataTable, Row } from '../../../../src/components/table';
import { serverCaller } from '../../../../src/server';
import { InviteMember } from './invite-member';
import { LeaveOrganization, RemoveMember, RevokeInvitation } from './member-actions';
import { RoleSelect } from './role-select';

export const dynamic = 'force-dynamic';

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  const [org, members] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.org.members({ orgSlug: slug }),
  ]);
  const canManage = org.role === 'OWNER' || org.role === 'ADMIN';
  const invitations = canManage ? await caller.member.invitations({ orgSlug: slug }) : [];
  return (
    <main className="flex flex-col gap-8">
      <div className="flex items-center justify-between">
        <h1 className="text-3xl font-semibold tracking-tight">Members</h1>
        <LeaveOrganization orgSlug={slug} />
      </div>
      <DataTable columns={canManage ? ['Name', 'Email', 'Role', ''] : ['Name', 'Email', 'Role']}>
        {members.map((m) => (
          <Row key={m.email}>
            <td className="py-2">{m.name ?? '—'}</td>
            <td className="py-2 text-slate-300">{m.email}</td>
            <td className="py-2 capitalize text-slate-300">
              {canManage ? <RoleSelect orgSlug={slug} email={m.email} role={m.role} /> : m.role.toLowerCase()}
            </td>
            {canManage ? (
              <td className="py-2 text-right">
                {/* Only owners remove owners; anyone leaves with the button above. */}
                {m.isCaller || (m.role === 'OWNER' && org.role !== 'OWNER') ? null : (
                  <RemoveMember orgSlug={slug} email={m.email} />
                )}
              </td>
            ) : null}
          </Row>
        ))}
      </DataTable>
      {invitations.length > 0 ? (
        <section aria-labelledby="open-invitations" className="flex flex-col gap-3">
          <h2 id="open-invitations" className="font-semibold">
            Open invitations
          </h2>
          <DataTable columns={['Email', 'Role', 'Expires', '']}>
            {invitations.map((i) => (
              <Row key={i.id}>
                <td className="py-2 text-slate-300">{i.email}</td>
                <td className="py-2 capitalize text-slate-300">{i.role.toLowerCase()}</td>
                <td className="py-2 text-slate-400">{i.expiresAt.toISOString().slice(0, 10)}</td>
                <td className="py-2 text-right">
                  <RevokeInvitation orgSlug={slug} id={i.id} email={i.email} />
                </td>
              </Row>
            ))}
          </DataTable>
        </section>
      ) : null}
      {canManage ? <InviteMember orgSlug={slug} /> : null}
    </main>
  );
}
